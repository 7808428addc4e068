{
  "targets": [
    {
      "target_name": "bind_device",
      "sources": ["native/bind_device.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
