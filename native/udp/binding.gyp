{
  "targets": [
    {
      "target_name": "hushgate_udp",
      "sources": ["udp_addon.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"]
    }
  ]
}
