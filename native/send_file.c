// N-API addon: sendfile(2) from a file to a connected TCP socket, for the HTTP asset server (a byte range) and for
// RPC over TCP (one record: a head, a file range, a tail, as NFS READ replies), run in libuv's threadpool so the
// event loop never blocks; Linux. A record whose range is all in the page cache (cachestat(2), Linux 6.5) can
// also go out on the calling thread, as far as the socket takes it without waiting, and so can small replies.
//
// Why this exists: Node cannot hand the kernel a file to send, so every byte of a kernel, initrd, ISO or NFS READ
// is read into the process and copied out again; nginx's sendfile path costs a fifth of the CPU. The worker waits
// for the (non-blocking) socket with poll(2) itself, so libuv's own state for the socket is left untouched.
// Why the calling thread too: a READ of a cached megabyte spent longer handing the job to a pool thread and
// back than the kernel took to send it, and nfs-cp waits for each READ before asking for the next.
#define _GNU_SOURCE
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

// cachestat(2) is newer than the C library's headers here; its number is the same on every Linux architecture.
#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif
struct range_asked {
  uint64_t off;
  uint64_t len;
};
struct range_cached {
  uint64_t nr_cache;
  uint64_t nr_dirty;
  uint64_t nr_writeback;
  uint64_t nr_evicted;
  uint64_t nr_recently_evicted;
};

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
  // RPC records only: bytes sent before and after the file range (copied, so JavaScript may reuse its buffers).
  char *head;
  size_t head_length;
  char *tail;
  size_t tail_length;
} job_t;

// 0 when the socket can take more, else the error that ends the job.
static int wait_writable(int sock, int timeout_ms) {
  for (;;) {
    struct pollfd wait = {.fd = sock, .events = POLLOUT, .revents = 0};
    int ready = poll(&wait, 1, timeout_ms);
    if (ready == 0) return ETIMEDOUT;
    if (ready < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (wait.revents & (POLLERR | POLLHUP | POLLNVAL)) return EPIPE;
    return 0;
  }
}

// Sends `bytes` from *done on, until all are sent or the socket is full: 0, EAGAIN, or the error that ends the
// record. MSG_MORE tells TCP that more of the record follows, so a head does not go out alone.
static int send_some(int sock, const char *bytes, size_t length, int more, size_t *done, int64_t *sent) {
  while (*done < length) {
    ssize_t n = send(sock, bytes + *done, length - *done, MSG_DONTWAIT | MSG_NOSIGNAL | (more ? MSG_MORE : 0));
    if (n > 0) {
      *done += (size_t)n;
      *sent += n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return n < 0 ? errno : EIO;
    }
  }
  return 0;
}

// As send_some, for the file's range from offset + *done; the socket must be non-blocking (Node's are).
static int sendfile_some(int sock, int file, int64_t offset, int64_t length, int64_t *done, int64_t *sent) {
  while (*done < length) {
    off_t at = (off_t)(offset + *done);
    int64_t left = length - *done;
    ssize_t n = sendfile(sock, file, &at, left > (1 << 30) ? (size_t)(1 << 30) : (size_t)left);
    if (n > 0) {
      *done += n;
      *sent += n;
    } else if (n == 0) {
      return EIO;  // the file ended early: it shrank after its size was answered
    } else if (errno != EINTR) {
      return errno;
    }
  }
  return 0;
}

static int is_full(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

// The pool's way: as send_some, waiting for room in the socket instead of stopping.
static int send_all(job_t *job, const char *bytes, size_t length, int more) {
  size_t done = 0;
  int err;
  while (is_full(err = send_some(job->sock, bytes, length, more, &done, &job->sent))) {
    err = wait_writable(job->sock, job->timeout_ms);
    if (err != 0) return err;
  }
  return err;
}

static int sendfile_all(job_t *job) {
  int64_t done = 0;
  int err;
  while (is_full(err = sendfile_some(job->sock, job->file, job->offset, job->length, &done, &job->sent))) {
    err = wait_writable(job->sock, job->timeout_ms);
    if (err != 0) return err;
  }
  return err;
}

static void execute(napi_env env, void *data) {
  (void)env;
  job_t *job = data;
  int err = 0;
  if (job->head_length > 0) err = send_all(job, job->head, job->head_length, 1);
  if (err == 0) err = sendfile_all(job);
  if (err == 0 && job->tail_length > 0) err = send_all(job, job->tail, job->tail_length, 0);
  job->err = err;
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

static void free_job(job_t *job) {
  free(job->head);
  free(job->tail);
  free(job);
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
  free_job(job);
}

static napi_value queue(napi_env env, job_t *job, int sock, int file, int64_t offset, int64_t length, int timeout_ms) {
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
  return queue(env, job, sock, file, offset, length, timeout_ms);
}

// Copies a Buffer argument; 0 on success.
static int copy_buffer(napi_env env, napi_value value, char **out, size_t *length) {
  void *bytes;
  if (napi_get_buffer_info(env, value, &bytes, length) != napi_ok) return -1;
  *out = NULL;
  if (*length == 0) return 0;
  *out = malloc(*length);
  if (*out == NULL) return -1;
  memcpy(*out, bytes, *length);
  return 0;
}

// sendRecord(socketFd, head, fileFd, offset, length, tail, timeoutMs) -> Promise<bytes sent>. Both descriptors
// must stay open until the promise settles: the caller passes duplicates (dup) that it closes then.
static napi_value send_record(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t sock = -1, file, timeout_ms;
  int64_t offset, length;
  if (argc != 7 || napi_get_value_int32(env, argv[0], &sock) != napi_ok || napi_get_value_int32(env, argv[2], &file) != napi_ok ||
      napi_get_value_int64(env, argv[3], &offset) != napi_ok || napi_get_value_int64(env, argv[4], &length) != napi_ok ||
      napi_get_value_int32(env, argv[6], &timeout_ms) != napi_ok || sock < 0 || file < 0 || offset < 0 || length < 0) {
    napi_throw_type_error(env, "EINVAL", "sendRecord(socketFd, head, fileFd, offset, length, tail, timeoutMs)");
    return NULL;
  }
  job_t *job = calloc(1, sizeof *job);
  if (job == NULL || copy_buffer(env, argv[1], &job->head, &job->head_length) != 0 ||
      copy_buffer(env, argv[5], &job->tail, &job->tail_length) != 0) {
    if (job != NULL) free_job(job);
    napi_throw_error(env, "ENOMEM", "sendRecord: head and tail must be Buffers (or out of memory)");
    return NULL;
  }
  return queue(env, job, sock, file, offset, length, timeout_ms);
}

// 1 when every page the range touches is in the page cache, so sendfile(2) will not wait for the disk; 0 when
// some is not, or when the kernel cannot say (cachestat(2) came in Linux 6.5).
static int all_cached(int file, int64_t offset, int64_t length) {
  if (length == 0) return 1;
  uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
  uint64_t pages = ((uint64_t)offset + (uint64_t)length - 1) / page - (uint64_t)offset / page + 1;
  struct range_asked range = {.off = (uint64_t)offset, .len = (uint64_t)length};
  struct range_cached cached;
  memset(&cached, 0, sizeof cached);
  if (syscall(__NR_cachestat, file, &range, &cached, 0) != 0) return 0;
  return cached.nr_cache >= pages;
}

// sendRecordNow(socketFd, head, fileFd, offset, length, tail) -> bytes sent on this thread without waiting: all
// of them, or fewer where the socket was full (the caller sends the rest with sendRecord); -1 and nothing sent
// when the range is not all in the page cache. A failed send throws, its `sent` saying how far it got.
static napi_value send_record_now(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t sock = -1, file = -1;
  int64_t offset = -1, length = -1;
  void *head = NULL, *tail = NULL;
  size_t head_length = 0, tail_length = 0;
  if (argc != 6 || napi_get_value_int32(env, argv[0], &sock) != napi_ok || napi_get_buffer_info(env, argv[1], &head, &head_length) != napi_ok ||
      napi_get_value_int32(env, argv[2], &file) != napi_ok || napi_get_value_int64(env, argv[3], &offset) != napi_ok ||
      napi_get_value_int64(env, argv[4], &length) != napi_ok || napi_get_buffer_info(env, argv[5], &tail, &tail_length) != napi_ok ||
      sock < 0 || file < 0 || offset < 0 || length < 0) {
    napi_throw_type_error(env, "EINVAL", "sendRecordNow(socketFd, head, fileFd, offset, length, tail)");
    return NULL;
  }
  int64_t sent = -1;
  int flags = fcntl(sock, F_GETFL);
  // A blocking socket would hold this thread until the client reads; such a record goes to the pool whole.
  if (flags >= 0 && (flags & O_NONBLOCK) && all_cached(file, offset, length)) {
    sent = 0;
    size_t head_done = 0, tail_done = 0;
    int64_t file_done = 0;
    int err = send_some(sock, head, head_length, 1, &head_done, &sent);
    if (err == 0) err = sendfile_some(sock, file, offset, length, &file_done, &sent);
    if (err == 0) err = send_some(sock, tail, tail_length, 0, &tail_done, &sent);
    if (err != 0 && !is_full(err)) {
      napi_value error, code, message, count;
      napi_create_string_utf8(env, errno_code(err), NAPI_AUTO_LENGTH, &code);
      napi_create_string_utf8(env, strerror(err), NAPI_AUTO_LENGTH, &message);
      napi_create_error(env, code, message, &error);
      napi_create_int64(env, sent, &count);
      napi_set_named_property(env, error, "sent", count);
      napi_throw(env, error);
      return NULL;
    }
  }
  napi_value result;
  napi_create_int64(env, sent, &result);
  return result;
}

// sendNow(socketFd, bytes) -> how many of them the (non-blocking) socket took at once: all, fewer, or 0 when it
// is full; -1 when the socket failed (Node's own write then meets the error and reports it as it does).
static napi_value send_now(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t sock = -1;
  void *bytes = NULL;
  size_t length = 0;
  if (argc != 2 || napi_get_value_int32(env, argv[0], &sock) != napi_ok || napi_get_buffer_info(env, argv[1], &bytes, &length) != napi_ok || sock < 0) {
    napi_throw_type_error(env, "EINVAL", "sendNow(socketFd, bytes)");
    return NULL;
  }
  int64_t sent = 0;
  size_t done = 0;
  int err = send_some(sock, bytes, length, 0, &done, &sent);
  napi_value result;
  napi_create_int64(env, err == 0 || is_full(err) ? sent : -1, &result);
  return result;
}

// The one descriptor argument of dup and shutdown; -1 (with a TypeError thrown) when there is none.
static int32_t fd_argument(napi_env env, napi_callback_info info, const char *usage) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd = -1;
  if (argc != 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, "EINVAL", usage);
    return -1;
  }
  return fd;
}

// dup(fd) -> a new descriptor for the same open file (close-on-exec).
static napi_value dup_fd(napi_env env, napi_callback_info info) {
  int32_t fd = fd_argument(env, info, "dup(fd): fd must be a non-negative number");
  if (fd < 0) return NULL;
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) {
    napi_throw_error(env, errno_code(errno), strerror(errno));
    return NULL;
  }
  napi_value result;
  napi_create_int32(env, copy, &result);
  return result;
}

// shutdown(fd): both directions, so a worker waiting on a stalled client's socket wakes and gives up.
static napi_value shutdown_fd(napi_env env, napi_callback_info info) {
  int32_t fd = fd_argument(env, info, "shutdown(fd): fd must be a non-negative number");
  if (fd >= 0) shutdown(fd, SHUT_RDWR);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sendFile", NULL, send_file, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendRecord", NULL, send_record, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendRecordNow", NULL, send_record_now, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendNow", NULL, send_now, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dup", NULL, dup_fd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"shutdown", NULL, shutdown_fd, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
