{
  "targets": [
    {
      "target_name": "bind_device",
      "sources": [
        "native/bind_device.c"
      ],
      "cflags": [
        "-Wall",
        "-Wextra",
        "-O2"
      ],
      "defines": [
        "NAPI_VERSION=8"
      ]
    },
    {
      "target_name": "send_file",
      "sources": [
        "native/send_file.c"
      ],
      "cflags": [
        "-Wall",
        "-Wextra",
        "-O2"
      ],
      "defines": [
        "NAPI_VERSION=8"
      ]
    },
    {
      "target_name": "tftp_pump",
      "sources": [
        "native/tftp_pump.c"
      ],
      "cflags": [
        "-Wall",
        "-Wextra",
        "-O2",
        "-pthread"
      ],
      "ldflags": [
        "-pthread"
      ],
      "defines": [
        "NAPI_VERSION=8"
      ]
    },
    {
      "target_name": "stat_many",
      "sources": [
        "native/stat_many.c"
      ],
      "cflags": [
        "-Wall",
        "-Wextra",
        "-O2"
      ],
      "defines": [
        "NAPI_VERSION=8"
      ]
    },
    {
      "target_name": "cached_read",
      "sources": [
        "native/cached_read.c"
      ],
      "cflags": [
        "-Wall",
        "-Wextra",
        "-O2"
      ],
      "defines": [
        "NAPI_VERSION=8"
      ]
    },
    {
      "target_name": "disk_writer",
      "sources": [
        "native/disk_writer.c"
      ],
      "cflags": [
        "-Wall",
        "-Wextra",
        "-O2",
        "-pthread"
      ],
      "ldflags": [
        "-pthread"
      ],
      "defines": [
        "NAPI_VERSION=8"
      ]
    }
  ]
}
