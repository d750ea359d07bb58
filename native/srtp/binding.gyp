{
  "variables": {
    "libsrtp_static%": "<!(echo ${HUSHGATE_LIBSRTP_STATIC:-})",
    "hmac_lib%": "<!(echo ${HUSHGATE_SRTP_HMAC_LIB:-})"
  },
  "targets": [
    {
      "target_name": "hushgate_srtp",
      "sources": ["srtp_addon.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
      "conditions": [
        ["libsrtp_static==''", {
          "include_dirs": ["<!@(pkg-config --cflags-only-I libsrtp2 | sed 's/-I//g')"],
          "libraries": ["<!@(pkg-config --libs libsrtp2)", "-lpthread"]
        }, {
          "include_dirs": ["<(libsrtp_static)/include"],
          "libraries": ["<!@(echo ${HUSHGATE_SRTP_HMAC_LIB:-})", "<(libsrtp_static)/lib/libsrtp2.a", "-lcrypto", "-lpthread"]
        }],
        ["hmac_lib!=''", {
          "defines": ["HUSHGATE_OPENSSL_SHA1_HMAC"]
        }]
      ]
    }
  ]
}
