// N-API addon for the DHCP server sockets: SO_BINDTODEVICE, SO_RCVBUFFORCE (socket(7)) and SIOCSARP (arp(7)); Linux.
//
// Why this exists: Node's dgram cannot bind a socket to a device nor report the arrival interface, yet a DHCP
// server must bind 0.0.0.0:67 to hear broadcasts. On a multi-homed host (a Pi with eth0 + wlan0) that socket
// would hear and answer every segment. Binding the fd to one device makes the kernel deliver only that
// device's datagrams and send our 255.255.255.255 replies out of that device alone.
// The ARP call lets us follow RFC 2131 §4.1 for clients that cannot take broadcasts nor yet answer ARP:
// we teach the kernel yiaddr -> chaddr, then unicast, as dnsmasq does.
#include <node_api.h>

#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

static const char *errno_code(int err) {
  switch (err) {
    case ENODEV: return "ENODEV";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case ENOTSOCK: return "ENOTSOCK";
    case ENXIO: return "ENXIO";
    case ENETDOWN: return "ENETDOWN";
    default: return "ESYSCALL";
  }
}

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s (errno %d)", what, strerror(err), err);
  napi_throw_error(env, errno_code(err), message);
  return NULL;
}

static int read_fd(napi_env env, napi_value value, int32_t *fd) {
  if (napi_get_value_int32(env, value, fd) != napi_ok || *fd < 0) {
    napi_throw_type_error(env, "EINVAL", "fd must be a non-negative integer");
    return 0;
  }
  return 1;
}

static int read_ifname(napi_env env, napi_value value, char name[IFNAMSIZ]) {
  size_t length = 0;
  memset(name, 0, IFNAMSIZ);
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok || length == 0 || length >= IFNAMSIZ) {
    napi_throw_type_error(env, "EINVAL", "interface name must be 1-15 characters");
    return 0;
  }
  napi_get_value_string_utf8(env, value, name, IFNAMSIZ, &length);
  return 1;
}

// bindToDevice(fd: number, ifname: string): void
static napi_value bind_to_device(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  int32_t fd;
  char name[IFNAMSIZ];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc < 2) {
    napi_throw_type_error(env, "EINVAL", "bindToDevice(fd, ifname)");
    return NULL;
  }
  if (!read_fd(env, args[0], &fd) || !read_ifname(env, args[1], name)) return NULL;
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, (socklen_t)strlen(name)) != 0) {
    return throw_errno(env, "setsockopt(SO_BINDTODEVICE)", errno);
  }
  return NULL;
}

// setArpEntry(fd: number, ifname: string, ipv4: number (host order), mac: Uint8Array(6)): void
static napi_value set_arp_entry(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value args[4];
  int32_t fd;
  uint32_t ip;
  char name[IFNAMSIZ];
  void *mac = NULL;
  size_t mac_length = 0;
  napi_typedarray_type type;
  napi_value buffer;
  size_t offset;
  struct arpreq req;
  struct sockaddr_in *pa;

  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc < 4) {
    napi_throw_type_error(env, "EINVAL", "setArpEntry(fd, ifname, ipv4, mac)");
    return NULL;
  }
  if (!read_fd(env, args[0], &fd) || !read_ifname(env, args[1], name)) return NULL;
  if (napi_get_value_uint32(env, args[2], &ip) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "ipv4 must be a 32-bit unsigned integer");
    return NULL;
  }
  if (napi_get_typedarray_info(env, args[3], &type, &mac_length, &mac, &buffer, &offset) != napi_ok ||
      type != napi_uint8_array || mac_length != 6) {
    napi_throw_type_error(env, "EINVAL", "mac must be a 6-byte Uint8Array");
    return NULL;
  }

  memset(&req, 0, sizeof req);
  pa = (struct sockaddr_in *)&req.arp_pa;
  pa->sin_family = AF_INET;
  pa->sin_addr.s_addr = htonl(ip);
  req.arp_ha.sa_family = ARPHRD_ETHER;
  memcpy(req.arp_ha.sa_data, mac, 6);
  req.arp_flags = ATF_COM;
  memcpy(req.arp_dev, name, IFNAMSIZ); /* name is zero-padded to IFNAMSIZ by read_ifname */
  if (ioctl(fd, SIOCSARP, &req) != 0) return throw_errno(env, "ioctl(SIOCSARP)", errno);
  return NULL;
}

// forceReceiveBuffer(fd: number, bytes: number): void
// SO_RCVBUFFORCE (root/CAP_NET_ADMIN) may exceed net.core.rmem_max, which is only 208 KiB on a stock Pi: a
// burst of DISCOVERs from a rack powering on should wait in the queue, not be dropped by the kernel.
static napi_value force_receive_buffer(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  int32_t fd;
  int32_t bytes;
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc < 2) {
    napi_throw_type_error(env, "EINVAL", "forceReceiveBuffer(fd, bytes)");
    return NULL;
  }
  if (!read_fd(env, args[0], &fd)) return NULL;
  if (napi_get_value_int32(env, args[1], &bytes) != napi_ok || bytes <= 0) {
    napi_throw_type_error(env, "EINVAL", "bytes must be a positive integer");
    return NULL;
  }
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0) {
    return throw_errno(env, "setsockopt(SO_RCVBUFFORCE)", errno);
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"bindToDevice", NULL, bind_to_device, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setArpEntry", NULL, set_arp_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"forceReceiveBuffer", NULL, force_receive_buffer, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
