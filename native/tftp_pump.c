// N-API addon: the data phase of one TFTP read transfer (RFC 1350 §6, RFC 2347 OACK, RFC 7440 windows) in its
// own thread, on its own connected UDP socket; Linux.
//
// Why this exists: in lockstep TFTP every block costs a round trip through Node's event loop (ACK callback,
// then a send), and that doubled the server's CPU per block next to tftpd-hpa. Here a thread blocks in recv(2)
// with SO_RCVTIMEO as the retransmission timer and sends each window with one sendmmsg(2) straight out of a
// read-ahead chunk, so a block costs about two system calls. JavaScript still does everything around it
// (the request, option negotiation, opening the file, the OACK's contents, logging); src/tftp/transfer.ts is
// the same state machine in TypeScript, used when this addon is missing, and both are tested alike.
//
// Stopping from JavaScript: cancel() shuts the socket down for reading, which wakes a blocked recv(2) on Linux
// (it returns 0); the thread then sends the client an ERROR and ends.
#define _GNU_SOURCE
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define OP_ACK 4
#define OP_ERROR 5
#define OP_DATA 3
/** Bytes read from the file at once when windows are small; a chunk always holds two whole windows. */
#define CHUNK_TARGET (128 * 1024)
/** sendmmsg(2) takes at most UIO_MAXIOV messages per call. */
#define SEND_BATCH 1024
#define THREAD_STACK (256 * 1024)

typedef enum { PHASE_OACK, PHASE_DATA } phase_t;

typedef struct {
  // Set once by start(), read by the thread.
  int file_fd;                 // -1 when the file is a buffer
  const uint8_t *bytes;        // the buffer's data, kept alive by bytes_ref
  napi_ref bytes_ref;
  uint64_t size;
  uint32_t blksize;
  uint32_t windowsize;
  uint8_t *oack;               // NULL: no OACK, DATA 1 comes first
  size_t oack_len;
  uint32_t timeout_ms;
  uint32_t max_timeout_ms;
  uint32_t retries;
  napi_threadsafe_function done;

  // Shared between the thread and cancel().
  pthread_mutex_t lock;
  int sock;                    // -1 once the thread closed it
  atomic_int cancelled;
  char cancel_message[256];
  atomic_int heard;

  // The thread's own.
  uint8_t *chunk;
  size_t chunk_cap;
  uint64_t chunk_from;         // file offset of chunk[0]
  size_t chunk_len;
  struct mmsghdr *msgs;
  struct iovec *iov;
  uint8_t *headers;
  int current_timeo_ms;

  // The result, written by the thread before it posts done.
  const char *outcome;
  uint64_t acked;
  uint32_t malformed;
  uint32_t retransmits;
  uint32_t duplicate_acks;
  uint32_t unknown_acks;
  char detail[320];
} pump_t;

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t block_count(const pump_t *p) { return p->size / p->blksize + 1; }

static uint32_t retransmit_delay(const pump_t *p, uint32_t attempt) {
  uint64_t delay = p->timeout_ms;
  uint32_t ceiling = p->max_timeout_ms > p->timeout_ms ? p->max_timeout_ms : p->timeout_ms;
  for (uint32_t i = 0; i < attempt && delay < ceiling; i++) delay *= 2;
  return delay > ceiling ? ceiling : (uint32_t)delay;
}

static void end_with(pump_t *p, const char *outcome, const char *detail) {
  p->outcome = outcome;
  if (detail != NULL) snprintf(p->detail, sizeof p->detail, "%s", detail);
}

static void end_with_errno(pump_t *p, const char *what, int err) {
  p->outcome = "error";
  snprintf(p->detail, sizeof p->detail, "%s: %s", what, strerror(err));
}

/** Sends an ERROR; best effort, the transfer is over either way. */
static void send_error(pump_t *p, uint16_t code, const char *message) {
  uint8_t packet[4 + 256];
  size_t len = strnlen(message, 250);
  packet[0] = 0;
  packet[1] = OP_ERROR;
  packet[2] = code >> 8;
  packet[3] = code & 0xff;
  memcpy(packet + 4, message, len);
  packet[4 + len] = 0;
  while (send(p->sock, packet, 5 + len, 0) < 0 && errno == EINTR) {
  }
}

/** Makes [from, to) of the file resident in the chunk; 0, or an errno (EIO when the file got shorter). */
static int load(pump_t *p, uint64_t from, uint64_t to) {
  if (p->bytes != NULL || to <= from) return 0;
  if (from >= p->chunk_from && to <= p->chunk_from + p->chunk_len) return 0;
  uint64_t want = p->size - from < p->chunk_cap ? p->size - from : p->chunk_cap;
  size_t have = 0;
  while (have < want) {
    ssize_t n = pread(p->file_fd, p->chunk + have, want - have, (off_t)(from + have));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    have += (size_t)n;
  }
  p->chunk_from = from;
  p->chunk_len = have;
  return 0;
}

/**
 * Called right after a window went out, while the client is busy with it: if the next window is not resident,
 * reload the chunk from the window just sent (it may have to go again) so that it covers the next one too.
 * tftpd-hpa reads ahead at the same moment; the read then costs no time between an ACK and the next DATA.
 */
static void read_ahead(pump_t *p, uint64_t first, uint32_t count) {
  if (p->bytes != NULL) return;
  uint64_t next_end = (first - 1 + count + p->windowsize) * (uint64_t)p->blksize;
  if (next_end > p->size) next_end = p->size;
  if (next_end <= p->chunk_from + p->chunk_len) return;
  // A failure here is met again, and reported, when the blocks are needed.
  (void)load(p, (first - 1) * (uint64_t)p->blksize, next_end);
}

static const uint8_t *block_data(const pump_t *p, uint64_t offset) {
  return p->bytes != NULL ? p->bytes + offset : p->chunk + (offset - p->chunk_from);
}

/**
 * Sends blocks first..first+count-1 (counted from 1; on the wire modulo 65536). Returns 0, or an errno.
 * A full socket buffer or a lost packet is not an error here: the retransmission timer covers it.
 */
static int send_blocks(pump_t *p, uint64_t first, uint32_t count) {
  uint64_t start = (first - 1) * p->blksize;
  uint64_t end = (first - 1 + count) * p->blksize;
  if (end > p->size) end = p->size;
  int err = load(p, start, end);
  if (err != 0) return err;
  for (uint32_t i = 0; i < count; i++) {
    uint64_t block = first + i;
    uint64_t offset = (block - 1) * p->blksize;
    size_t len = offset >= p->size ? 0 : (p->size - offset < p->blksize ? (size_t)(p->size - offset) : p->blksize);
    uint8_t *h = p->headers + 4 * (size_t)i;
    h[0] = 0;
    h[1] = OP_DATA;
    h[2] = (block >> 8) & 0xff;
    h[3] = block & 0xff;
    struct iovec *v = p->iov + 2 * (size_t)i;
    v[0].iov_base = h;
    v[0].iov_len = 4;
    v[1].iov_base = (void *)(len == 0 ? h : block_data(p, offset));
    v[1].iov_len = len;
    memset(&p->msgs[i], 0, sizeof p->msgs[i]);
    p->msgs[i].msg_hdr.msg_iov = v;
    p->msgs[i].msg_hdr.msg_iovlen = 2;
  }
  uint32_t done = 0;
  while (done < count) {
    uint32_t batch = count - done > SEND_BATCH ? SEND_BATCH : count - done;
    int n = sendmmsg(p->sock, p->msgs + done, batch, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS || errno == EAGAIN) return 0;
      return errno;
    }
    done += (uint32_t)n;
  }
  read_ahead(p, first, count);
  return 0;
}

static int send_oack(pump_t *p) {
  for (;;) {
    if (send(p->sock, p->oack, p->oack_len, 0) >= 0) return 0;
    if (errno == EINTR) continue;
    if (errno == ENOBUFS || errno == EAGAIN) return 0;
    return errno;
  }
}

/** The window after `acked` (RFC 7440: a window restarts right after the last acknowledged block). */
static uint32_t window_after(const pump_t *p, uint64_t acked) {
  uint64_t left = block_count(p) - acked;
  return left < p->windowsize ? (uint32_t)left : p->windowsize;
}

/** The receive timeout is only changed when it differs: in a clean transfer it never does. */
static void set_timeout(pump_t *p, int64_t ms) {
  if (ms < 1) ms = 1;
  if (ms == p->current_timeo_ms) return;
  struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
  setsockopt(p->sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  p->current_timeo_ms = (int)ms;
}

/**
 * Firmware often reads only the OACK (EDK2 answers it with ERROR 8 to learn tsize) or the first block (the
 * Raspberry Pi's "Early terminate" probes): those are normal. Mirrors abortOutcome in src/tftp/transfer.ts.
 */
static const char *abort_outcome(phase_t phase, uint64_t acked, uint16_t code, const char *message) {
  if (code == 0 && strcasestr(message, "early terminate") != NULL) return "aborted-after-oack";
  if ((code == 0 || code == 8) && (phase == PHASE_OACK || acked <= 1)) return "aborted-after-oack";
  return "aborted";
}

static void run_transfer(pump_t *p) {
  const uint64_t total = block_count(p);
  phase_t phase = p->oack != NULL ? PHASE_OACK : PHASE_DATA;
  uint64_t acked = 0;
  uint64_t sent = 0;
  uint32_t attempt = 0;
  int err;

  if (phase == PHASE_OACK) {
    err = send_oack(p);
  } else {
    sent = window_after(p, 0);
    err = send_blocks(p, 1, (uint32_t)sent);
  }
  int64_t deadline = now_ms() + retransmit_delay(p, 0);
  uint8_t packet[1024];

  while (err == 0) {
    if (atomic_load(&p->cancelled)) {
      send_error(p, 0, p->cancel_message);
      p->acked = acked;
      end_with(p, "aborted", p->cancel_message);
      return;
    }
    int64_t left = deadline - now_ms();
    if (left <= 0) {
      attempt++;
      if (attempt > p->retries) {
        p->acked = acked;
        end_with(p, "timeout", NULL);
        return;
      }
      p->retransmits++;
      if (phase == PHASE_OACK) {
        err = send_oack(p);
      } else {
        uint32_t count = window_after(p, acked);
        sent = acked + count;
        err = send_blocks(p, acked + 1, count);
      }
      deadline = now_ms() + retransmit_delay(p, attempt);
      continue;
    }
    set_timeout(p, left);
    ssize_t n = recv(p->sock, packet, sizeof packet, 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;  // the loop checks the deadline
      p->acked = acked;
      // The connected socket learns from ICMP that the client's port closed: it went away mid-transfer.
      if (errno == ECONNREFUSED) end_with(p, "aborted", "client port closed");
      else end_with_errno(p, "recv", errno);
      return;
    }
    if (n == 0 && atomic_load(&p->cancelled)) continue;
    atomic_store(&p->heard, 1);
    uint16_t op = n >= 2 ? (uint16_t)(packet[0] << 8 | packet[1]) : 0;
    if (op == OP_ACK && n >= 4) {
      uint16_t wire = (uint16_t)(packet[2] << 8 | packet[3]);
      if (phase == PHASE_OACK) {
        if (wire != 0) {  // ignored, the timer still runs
          p->unknown_acks++;
          continue;
        }
        phase = PHASE_DATA;
      } else {
        // Map the 16-bit number onto the blocks in flight: acked+1 .. sent. Anything else is old or foreign,
        // and answering a duplicate would be the Sorcerer's Apprentice bug.
        uint16_t ahead = (uint16_t)(wire - (uint16_t)(acked & 0xffff));
        if (ahead == 0) {
          p->duplicate_acks++;
          continue;
        }
        if (ahead > sent - acked) {
          p->unknown_acks++;
          continue;
        }
        acked += ahead;
        if (acked == total) {
          p->acked = acked;
          end_with(p, "complete", NULL);
          return;
        }
      }
      attempt = 0;
      uint32_t count = window_after(p, acked);
      sent = acked + count;
      err = send_blocks(p, acked + 1, count);
      deadline = now_ms() + retransmit_delay(p, 0);
      continue;
    }
    if (op == OP_ERROR && n >= 4) {
      uint16_t code = (uint16_t)(packet[2] << 8 | packet[3]);
      char message[200];
      size_t len = strnlen((const char *)packet + 4, (size_t)n - 4);
      if (len >= sizeof message) len = sizeof message - 1;
      memcpy(message, packet + 4, len);
      message[len] = 0;
      p->acked = acked;
      p->outcome = abort_outcome(phase, acked, code, message);
      snprintf(p->detail, sizeof p->detail, "client error %u: %s", code, message);
      return;
    }
    // Too short, an unknown opcode, or a request or DATA sent to a read transfer's port.
    p->malformed++;
  }
  p->acked = acked;
  if (err == ECONNREFUSED) {
    end_with(p, "aborted", "client port closed");
  } else {
    const char *what = err == EIO ? "file ended early (changed on disk?)" : NULL;
    if (what != NULL) end_with(p, "error", what);
    else end_with_errno(p, "send", err);
    send_error(p, 0, "Server error");
  }
}

static void *thread_main(void *arg) {
  pump_t *p = arg;
  run_transfer(p);
  pthread_mutex_lock(&p->lock);
  close(p->sock);
  p->sock = -1;
  pthread_mutex_unlock(&p->lock);
  napi_threadsafe_function done = p->done;
  napi_call_threadsafe_function(done, p, napi_tsfn_blocking);
  napi_release_threadsafe_function(done, napi_tsfn_release);
  return NULL;
}

// ---------- JavaScript side ----------

#define CHECK(env, call)                                      \
  do {                                                        \
    if ((call) != napi_ok) {                                  \
      napi_throw_error((env), NULL, "tftp_pump: " #call);     \
      return NULL;                                            \
    }                                                         \
  } while (0)

static void free_pump(pump_t *p) {
  free(p->chunk);
  free(p->msgs);
  free(p->iov);
  free(p->headers);
  free(p->oack);
  pthread_mutex_destroy(&p->lock);
  free(p);
}

static void finalize_handle(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free_pump(data);
}

static void set_string(napi_env env, napi_value obj, const char *name, const char *text) {
  napi_value v;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, name, v);
}

static void set_number(napi_env env, napi_value obj, const char *name, double number) {
  napi_value v;
  napi_create_double(env, number, &v);
  napi_set_named_property(env, obj, name, v);
}

/** Runs on the JS thread once the transfer ended: hands the result to the callback given to start(). */
static void call_done(napi_env env, napi_value callback, void *context, void *data) {
  (void)context;
  pump_t *p = data;
  if (env == NULL) return;
  if (p->bytes_ref != NULL) {
    napi_delete_reference(env, p->bytes_ref);
    p->bytes_ref = NULL;
  }
  napi_value result, undefined;
  napi_create_object(env, &result);
  set_string(env, result, "outcome", p->outcome != NULL ? p->outcome : "error");
  set_number(env, result, "acked", (double)p->acked);
  set_number(env, result, "malformed", p->malformed);
  set_number(env, result, "retransmits", p->retransmits);
  set_number(env, result, "duplicateAcks", p->duplicate_acks);
  set_number(env, result, "unknownAcks", p->unknown_acks);
  if (p->detail[0] != 0) set_string(env, result, "detail", p->detail);
  napi_get_undefined(env, &undefined);
  napi_call_function(env, undefined, callback, 1, &result, NULL);
}

static int get_u32(napi_env env, napi_value obj, const char *name, uint32_t *out) {
  napi_value v;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok) return 0;
  return napi_get_value_uint32(env, v, out) == napi_ok;
}

static int get_i32(napi_env env, napi_value obj, const char *name, int32_t *out) {
  napi_value v;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok) return 0;
  return napi_get_value_int32(env, v, out) == napi_ok;
}

static int get_string(napi_env env, napi_value obj, const char *name, char *out, size_t cap) {
  napi_value v;
  size_t len;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok) return 0;
  return napi_get_value_string_utf8(env, v, out, cap, &len) == napi_ok;
}

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_value code, text, error;
  // The code is the errno's name, as Node's own socket errors have it.
  const char *name = strerrorname_np(err);
  if (name == NULL) name = "EIO";
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &error);
  napi_throw(env, error);
  return NULL;
}

static int parse_ipv4(const char *text, uint16_t port, struct sockaddr_in *out) {
  memset(out, 0, sizeof *out);
  out->sin_family = AF_INET;
  out->sin_port = htons(port);
  return inet_pton(AF_INET, text, &out->sin_addr) == 1;
}

/**
 * start({address, port, clientAddress, clientPort, fd, bytes, size, blksize, windowsize, oack, timeoutMs,
 * maxTimeoutMs, retries}, onDone) -> handle. Binds a socket to address:port (SO_REUSEADDR, beside the port's
 * twin for strangers) connected to the client, and starts the thread; throws when the socket cannot be made.
 */
static napi_value start(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "start(options, onDone)");
    return NULL;
  }
  napi_value opts = argv[0];
  char address[64], client_address[64];
  uint32_t port, client_port, blksize, windowsize, timeout_ms, max_timeout_ms, retries;
  int32_t file_fd;
  double size;
  napi_value size_v, bytes_v, oack_v;
  if (!get_string(env, opts, "address", address, sizeof address) ||
      !get_string(env, opts, "clientAddress", client_address, sizeof client_address) ||
      !get_u32(env, opts, "port", &port) || !get_u32(env, opts, "clientPort", &client_port) ||
      !get_u32(env, opts, "blksize", &blksize) || !get_u32(env, opts, "windowsize", &windowsize) ||
      !get_u32(env, opts, "timeoutMs", &timeout_ms) || !get_u32(env, opts, "maxTimeoutMs", &max_timeout_ms) ||
      !get_u32(env, opts, "retries", &retries) || !get_i32(env, opts, "fd", &file_fd) ||
      napi_get_named_property(env, opts, "size", &size_v) != napi_ok ||
      napi_get_value_double(env, size_v, &size) != napi_ok ||
      napi_get_named_property(env, opts, "bytes", &bytes_v) != napi_ok ||
      napi_get_named_property(env, opts, "oack", &oack_v) != napi_ok) {
    napi_throw_type_error(env, NULL, "tftp_pump.start: bad options");
    return NULL;
  }
  if (blksize < 8 || blksize > 65464 || windowsize < 1 || windowsize > 65535 || timeout_ms < 1 || size < 0 ||
      port > 65535 || client_port < 1 || client_port > 65535) {
    napi_throw_range_error(env, NULL, "tftp_pump.start: option out of range");
    return NULL;
  }
  struct sockaddr_in local, remote;
  if (!parse_ipv4(address, (uint16_t)port, &local) || !parse_ipv4(client_address, (uint16_t)client_port, &remote)) {
    napi_throw_type_error(env, NULL, "tftp_pump.start: not an IPv4 address");
    return NULL;
  }

  pump_t *p = calloc(1, sizeof *p);
  if (p == NULL) return throw_errno(env, "tftp_pump", ENOMEM);
  pthread_mutex_init(&p->lock, NULL);
  p->sock = -1;
  p->file_fd = file_fd;
  p->size = (uint64_t)size;
  p->blksize = blksize;
  p->windowsize = windowsize;
  p->timeout_ms = timeout_ms;
  p->max_timeout_ms = max_timeout_ms;
  p->retries = retries;
  p->current_timeo_ms = -1;

  bool is_buffer = false;
  napi_is_buffer(env, bytes_v, &is_buffer);
  if (is_buffer) {
    void *data;
    size_t len;
    napi_get_buffer_info(env, bytes_v, &data, &len);
    if (len < p->size) {
      free_pump(p);
      napi_throw_range_error(env, NULL, "tftp_pump.start: bytes shorter than size");
      return NULL;
    }
    p->bytes = data;
    napi_create_reference(env, bytes_v, 1, &p->bytes_ref);
  } else if (file_fd < 0) {
    free_pump(p);
    napi_throw_type_error(env, NULL, "tftp_pump.start: needs fd or bytes");
    return NULL;
  }
  bool oack_is_buffer = false;
  napi_is_buffer(env, oack_v, &oack_is_buffer);
  if (oack_is_buffer) {
    void *data;
    size_t len;
    napi_get_buffer_info(env, oack_v, &data, &len);
    p->oack = malloc(len > 0 ? len : 1);
    memcpy(p->oack, data, len);
    p->oack_len = len;
  }
  size_t window_bytes = (size_t)windowsize * blksize;
  p->chunk_cap = 2 * window_bytes > CHUNK_TARGET ? 2 * window_bytes : CHUNK_TARGET;
  if (p->bytes == NULL) p->chunk = malloc(p->chunk_cap);
  p->msgs = calloc(windowsize, sizeof *p->msgs);
  p->iov = calloc((size_t)windowsize * 2, sizeof *p->iov);
  p->headers = calloc(windowsize, 4);
  if ((p->bytes == NULL && p->chunk == NULL) || p->msgs == NULL || p->iov == NULL || p->headers == NULL) {
    if (p->bytes_ref != NULL) napi_delete_reference(env, p->bytes_ref);
    free_pump(p);
    return throw_errno(env, "tftp_pump", ENOMEM);
  }

  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int one = 1;
  int err = 0;
  const char *step = "socket";
  if (sock < 0) err = errno;
  else if (step = "setsockopt", setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) err = errno;
  else if (step = "bind", bind(sock, (struct sockaddr *)&local, sizeof local) < 0) err = errno;
  else if (step = "connect", connect(sock, (struct sockaddr *)&remote, sizeof remote) < 0) err = errno;
  if (err != 0) {
    if (sock >= 0) close(sock);
    if (p->bytes_ref != NULL) napi_delete_reference(env, p->bytes_ref);
    free_pump(p);
    char what[128];
    snprintf(what, sizeof what, "tftp transfer socket %s %s:%u", step, address, port);
    return throw_errno(env, what, err);
  }
  p->sock = sock;

  napi_value name, handle;
  CHECK(env, napi_create_string_utf8(env, "tftp_pump", NAPI_AUTO_LENGTH, &name));
  CHECK(env, napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, NULL, NULL, NULL, call_done, &p->done));
  CHECK(env, napi_create_external(env, p, finalize_handle, NULL, &handle));

  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, THREAD_STACK);
  pthread_t thread;
  err = pthread_create(&thread, &attr, thread_main, p);
  pthread_attr_destroy(&attr);
  if (err != 0) {
    // The handle's finalizer frees p; the socket and the callback go now.
    close(p->sock);
    p->sock = -1;
    napi_release_threadsafe_function(p->done, napi_tsfn_abort);
    if (p->bytes_ref != NULL) {
      napi_delete_reference(env, p->bytes_ref);
      p->bytes_ref = NULL;
    }
    return throw_errno(env, "tftp_pump thread", err);
  }
  return handle;
}

/** cancel(handle, message): ends the transfer with ERROR 0 `message` to the client; no-op once it ended. */
static napi_value cancel(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  pump_t *p;
  if (argc < 2 || napi_get_value_external(env, argv[0], (void **)&p) != napi_ok) {
    napi_throw_type_error(env, NULL, "cancel(handle, message)");
    return NULL;
  }
  pthread_mutex_lock(&p->lock);
  if (p->sock >= 0 && !atomic_load(&p->cancelled)) {
    size_t len;
    napi_get_value_string_utf8(env, argv[1], p->cancel_message, sizeof p->cancel_message, &len);
    atomic_store(&p->cancelled, 1);
    shutdown(p->sock, SHUT_RD);
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

/** heard(handle): whether the client has sent anything to the transfer's port yet. */
static napi_value heard(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  pump_t *p;
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&p) != napi_ok) {
    napi_throw_type_error(env, NULL, "heard(handle)");
    return NULL;
  }
  CHECK(env, napi_get_boolean(env, atomic_load(&p->heard) != 0, &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"start", NULL, start, NULL, NULL, NULL, napi_default, NULL},
      {"cancel", NULL, cancel, NULL, NULL, NULL, napi_default, NULL},
      {"heard", NULL, heard, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
