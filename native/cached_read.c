// N-API addon for iSCSI disks: a read served only from the page cache, on the calling thread (preadv2(2) with
// RWF_NOWAIT); Linux 4.14 and later.
//
// Why this exists: a random 4 KiB read through fs/promises costs a trip through libuv's thread pool (a request
// object, a wake-up of a pool thread, a completion back on the loop, a promise), which made Bramble's random reads
// run at half of tgt's. Served here, a cached read is one system call; one that would wait for the disk
// is refused (EAGAIN) and the caller takes the thread-pool path, so the event loop never waits for storage.
#define _GNU_SOURCE
#include <node_api.h>

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#define NOT_CACHED -1
#define NOT_SUPPORTED -2

static napi_value fail(napi_env env, const char *code, const char *message) {
  napi_throw_error(env, code, message);
  return NULL;
}

// readCached(fd: number, into: Uint8Array, offset: number, length: number, position: number): number
// Bytes read into into[offset..] (fewer than length when only part is cached or the file ends; 0 at its end),
// NOT_CACHED when none of it is in the page cache, NOT_SUPPORTED when the kernel or file system cannot say.
// Other errors throw with the errno name as code.
static napi_value read_cached(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc < 5) return fail(env, "EINVAL", "readCached(fd, into, offset, length, position)");
  int32_t fd = -1;
  if (napi_get_value_int32(env, args[0], &fd) != napi_ok || fd < 0) return fail(env, "EINVAL", "fd must be a descriptor");
  bool is_typed = false;
  napi_is_typedarray(env, args[1], &is_typed);
  if (!is_typed) return fail(env, "EINVAL", "into must be a Uint8Array");
  napi_typedarray_type type;
  size_t size = 0;
  void *data = NULL;
  napi_get_typedarray_info(env, args[1], &type, &size, &data, NULL, NULL);
  if (type != napi_uint8_array) return fail(env, "EINVAL", "into must be a Uint8Array");
  int64_t offset = -1, length = -1, position = -1;
  napi_get_value_int64(env, args[2], &offset);
  napi_get_value_int64(env, args[3], &length);
  napi_get_value_int64(env, args[4], &position);
  if (offset < 0 || length < 0 || position < 0 || (uint64_t)offset + (uint64_t)length > size) return fail(env, "EINVAL", "offset, length or position out of range");

  struct iovec iov = {(char *)data + offset, (size_t)length};
  ssize_t got;
  do got = preadv2(fd, &iov, 1, position, RWF_NOWAIT);
  while (got < 0 && errno == EINTR);
  int64_t result = got;
  if (got < 0) {
    if (errno == EAGAIN) result = NOT_CACHED;
    else if (errno == EOPNOTSUPP || errno == ENOSYS || errno == EINVAL) result = NOT_SUPPORTED;
    else return fail(env, strerrorname_np(errno) != NULL ? strerrorname_np(errno) : "EIO", strerror(errno));
  }
  napi_value out;
  napi_create_int64(env, result, &out);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"readCached", NULL, read_cached, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
