// N-API addon for the HTTP asset server: sendfile(2) from a file to a connected TCP socket, run in libuv's
// threadpool so the event loop never blocks; Linux.
//
// Why this exists: Node cannot hand the kernel a file to send, so every byte of a kernel, initrd or ISO is read
// into the process and copied out again; nginx's sendfile path costs a fifth of the CPU. The worker waits
// for the (non-blocking) socket with poll(2) itself, so libuv's own state for the socket is left untouched.
#include <node_api.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/types.h>

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int sock;
  int file;
  int64_t offset;
  int64_t length;
  int64_t sent;
  int timeout_ms;
  int err;
} job_t;

static void execute(napi_env env, void *data) {
  (void)env;
  job_t *job = data;
  off_t offset = (off_t)job->offset;
  while (job->sent < job->length) {
    int64_t left = job->length - job->sent;
    size_t chunk = left > (1 << 30) ? (size_t)(1 << 30) : (size_t)left;
    ssize_t n = sendfile(job->sock, job->file, &offset, chunk);
    if (n > 0) {
      job->sent += n;
      continue;
    }
    if (n == 0) {  // the file ended early: it shrank after we answered with its size
      job->err = EIO;
      return;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) {
      job->err = errno;
      return;
    }
    struct pollfd wait = {.fd = job->sock, .events = POLLOUT, .revents = 0};
    int ready = poll(&wait, 1, job->timeout_ms);
    if (ready == 0) {
      job->err = ETIMEDOUT;
      return;
    }
    if (ready < 0 && errno != EINTR) {
      job->err = errno;
      return;
    }
    if (ready > 0 && (wait.revents & (POLLERR | POLLHUP | POLLNVAL))) {
      job->err = EPIPE;
      return;
    }
  }
}

static const char *errno_code(int err) {
  switch (err) {
    case EPIPE: return "EPIPE";
    case ECONNRESET: return "ECONNRESET";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EIO: return "EIO";
    default: return "ESYSCALL";
  }
}

static void complete(napi_env env, napi_status status, void *data) {
  job_t *job = data;
  napi_value result;
  if (status == napi_ok && job->err == 0) {
    napi_create_int64(env, job->sent, &result);
    napi_resolve_deferred(env, job->deferred, result);
  } else {
    int err = job->err != 0 ? job->err : EIO;
    napi_value code, message;
    napi_create_string_utf8(env, errno_code(err), NAPI_AUTO_LENGTH, &code);
    napi_create_string_utf8(env, strerror(err), NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, code, message, &result);
    napi_value sent;
    napi_create_int64(env, job->sent, &sent);
    napi_set_named_property(env, result, "sent", sent);
    napi_reject_deferred(env, job->deferred, result);
  }
  napi_delete_async_work(env, job->work);
  free(job);
}

// sendFile(socketFd, fileFd, offset, length, timeoutMs) -> Promise<bytes sent>
static napi_value send_file(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 5) {
    napi_throw_type_error(env, "EINVAL", "sendFile(socketFd, fileFd, offset, length, timeoutMs)");
    return NULL;
  }
  int32_t sock, file, timeout_ms;
  int64_t offset, length;
  if (napi_get_value_int32(env, argv[0], &sock) != napi_ok || napi_get_value_int32(env, argv[1], &file) != napi_ok ||
      napi_get_value_int64(env, argv[2], &offset) != napi_ok || napi_get_value_int64(env, argv[3], &length) != napi_ok ||
      napi_get_value_int32(env, argv[4], &timeout_ms) != napi_ok || sock < 0 || file < 0 || offset < 0 || length < 0) {
    napi_throw_type_error(env, "EINVAL", "sendFile: descriptors, offset and length must be non-negative numbers");
    return NULL;
  }
  job_t *job = calloc(1, sizeof *job);
  if (job == NULL) {
    napi_throw_error(env, "ENOMEM", "sendFile: out of memory");
    return NULL;
  }
  job->sock = sock;
  job->file = file;
  job->offset = offset;
  job->length = length;
  job->timeout_ms = timeout_ms;
  napi_value promise, name;
  napi_create_promise(env, &job->deferred, &promise);
  napi_create_string_utf8(env, "bramble:sendfile", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, job, &job->work);
  napi_queue_async_work(env, job->work);
  return promise;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sendFile", NULL, send_file, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
