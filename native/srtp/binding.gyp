{
  "targets": [
    {
      "target_name": "hushgate_srtp",
      "sources": ["srtp_addon.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
      "include_dirs": ["<!@(pkg-config --cflags-only-I libsrtp2 | sed 's/-I//g')"],
      "libraries": ["<!@(pkg-config --libs libsrtp2)", "-lpthread"]
    }
  ]
}
