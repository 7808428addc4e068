/*
 * iscsi-io: the iSCSI benchmark's load generator for writes (`npm run bench -- iscsi`). libiscsi-bin's
 * iscsi-perf (1.19) only reads; this is its loop with WRITE (16) as well: one session, a fixed number of
 * commands in flight (-m), a fixed transfer size (-b blocks), sequential (wrapping at the end of the disk)
 * or random LBAs (-r, picked as iscsi-perf picks them: rand() % blocks, cut short at the end), for -t seconds.
 *
 *   iscsi-io [-w] [-r] [-p] [-s] [-m DEPTH] [-b BLOCKS] [-t SECONDS] iscsi://USER%SECRET@HOST:PORT/IQN/LUN
 *
 *   -w  WRITE (16) (no FUA) of one buffer of random bytes; default READ (16)
 *   -p  one sequential pass over the whole disk, every block once, then stop (no -t)
 *   -s  after the timed part, SYNCHRONIZE CACHE (10) of the whole disk, timed apart
 *
 * Prints one line `result ios=N bytes=N seconds=S sync_seconds=S`: the commands completed, their bytes, and
 * the time from the first command sent to the last one completed (the last commands in flight are waited
 * for and counted). Any command that does not end GOOD stops it with exit 10.
 *
 * Built by the bench with `cc -O2 iscsi-io.c -liscsi` (libiscsi-dev); not part of Bramble.
 */
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

static struct iscsi_context *iscsi;
static int lun;
static int block_size;
static uint64_t disk_blocks;
static int depth = 32;
static int blocks_per_io = 8;
static int seconds = 0;
static int random_lbas = 0;
static int writing = 0;
static int one_pass = 0;
static unsigned char *buffer;

static uint64_t next_lba = 0;
static int in_flight = 0;
static int stopping = 0;
static uint64_t ios = 0;
static uint64_t bytes = 0;
static uint64_t started_ns = 0;
static uint64_t last_done_ns = 0;

static uint64_t now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void fail(const char *what) {
	fprintf(stderr, "iscsi-io: %s: %s\n", what, iscsi_get_error(iscsi));
	exit(10);
}

static void fill(void);

static void done(struct iscsi_context *ctx, int status, void *command_data, void *private_data) {
	struct scsi_task *task = command_data;
	uint32_t length = (uint32_t)(uintptr_t)private_data;
	(void)ctx;
	if (status != SCSI_STATUS_GOOD) {
		if (status == SCSI_STATUS_CHECK_CONDITION) {
			fprintf(stderr, "iscsi-io: %s failed: sense key 0x%x ascq 0x%04x\n", writing ? "WRITE (16)" : "READ (16)", task->sense.key, task->sense.ascq);
		} else {
			fprintf(stderr, "iscsi-io: %s failed with status 0x%x: %s\n", writing ? "WRITE (16)" : "READ (16)", status, iscsi_get_error(iscsi));
		}
		exit(10);
	}
	scsi_free_scsi_task(task);
	in_flight--;
	ios++;
	bytes += length;
	last_done_ns = now_ns();
	fill();
}

static void fill(void) {
	while (!stopping && in_flight < depth) {
		if (seconds > 0 && now_ns() - started_ns >= (uint64_t)seconds * 1000000000ULL) {
			stopping = 1;
			break;
		}
		if (next_lba >= disk_blocks) {
			if (one_pass) {
				stopping = 1;
				break;
			}
			next_lba = 0;
		}
		uint64_t lba = random_lbas ? (uint64_t)rand() % disk_blocks : next_lba;
		uint64_t count = disk_blocks - lba < (uint64_t)blocks_per_io ? disk_blocks - lba : (uint64_t)blocks_per_io;
		uint32_t length = (uint32_t)(count * (uint64_t)block_size);
		void *tag = (void *)(uintptr_t)length;
		struct scsi_task *task = writing
			? iscsi_write16_task(iscsi, lun, lba, buffer, length, block_size, 0, 0, 0, 0, 0, done, tag)
			: iscsi_read16_task(iscsi, lun, lba, length, block_size, 0, 0, 0, 0, 0, done, tag);
		if (task == NULL) fail("cannot queue a command");
		in_flight++;
		next_lba = lba + count;
	}
}

static void usage(void) {
	fprintf(stderr, "usage: iscsi-io [-w] [-r] [-p] [-s] [-m DEPTH] [-b BLOCKS] [-t SECONDS] iscsi://[USER%%SECRET@]HOST[:PORT]/IQN/LUN\n");
	exit(2);
}

int main(int argc, char *argv[]) {
	int sync_after = 0;
	int c;
	while ((c = getopt(argc, argv, "wrpsm:b:t:")) != -1) {
		switch (c) {
		case 'w': writing = 1; break;
		case 'r': random_lbas = 1; break;
		case 'p': one_pass = 1; break;
		case 's': sync_after = 1; break;
		case 'm': depth = atoi(optarg); break;
		case 'b': blocks_per_io = atoi(optarg); break;
		case 't': seconds = atoi(optarg); break;
		default: usage();
		}
	}
	if (optind != argc - 1 || depth < 1 || blocks_per_io < 1 || (one_pass && (random_lbas || seconds > 0)) || (!one_pass && seconds < 1)) usage();
	srand((unsigned)time(NULL) ^ (unsigned)now_ns());

	iscsi = iscsi_create_context("iqn.2026-11.org.bramble:bench-io");
	if (iscsi == NULL) {
		fprintf(stderr, "iscsi-io: cannot create a context\n");
		return 10;
	}
	struct iscsi_url *url = iscsi_parse_full_url(iscsi, argv[optind]);
	if (url == NULL) fail("cannot parse the URL");
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	/* As iscsi-perf: no digest offered first. */
	iscsi_set_header_digest(iscsi, ISCSI_HEADER_DIGEST_NONE_CRC32C);
	if (iscsi_full_connect_sync(iscsi, url->portal, url->lun) != 0) fail("login failed");
	lun = url->lun;
	iscsi_destroy_url(url);

	struct scsi_task *capacity = iscsi_readcapacity16_sync(iscsi, lun);
	if (capacity == NULL || capacity->status != SCSI_STATUS_GOOD) fail("READ CAPACITY (16) failed");
	struct scsi_readcapacity16 *rc16 = scsi_datain_unmarshall(capacity);
	if (rc16 == NULL) fail("cannot decode READ CAPACITY (16)");
	block_size = (int)rc16->block_length;
	disk_blocks = rc16->returned_lba + 1;
	scsi_free_scsi_task(capacity);

	size_t buffer_bytes = (size_t)blocks_per_io * (size_t)block_size;
	buffer = malloc(buffer_bytes);
	if (buffer == NULL) {
		fprintf(stderr, "iscsi-io: out of memory\n");
		return 10;
	}
	FILE *urandom = fopen("/dev/urandom", "rb");
	if (urandom == NULL || fread(buffer, 1, buffer_bytes, urandom) != buffer_bytes) {
		fprintf(stderr, "iscsi-io: cannot read /dev/urandom\n");
		return 10;
	}
	fclose(urandom);

	started_ns = last_done_ns = now_ns();
	fill();
	while (in_flight > 0) {
		struct pollfd pfd = { .fd = iscsi_get_fd(iscsi), .events = (short)iscsi_which_events(iscsi) };
		/* A timeout, so that the deadline is seen even while the target holds every command. */
		if (poll(&pfd, 1, 100) < 0) continue;
		if (iscsi_service(iscsi, pfd.revents) < 0) fail("connection failed");
		fill();
	}
	double elapsed = (double)(last_done_ns - started_ns) / 1e9;

	double sync_seconds = 0;
	if (sync_after) {
		uint64_t t0 = now_ns();
		struct scsi_task *sync = iscsi_synchronizecache10_sync(iscsi, lun, 0, 0, 0, 0);
		if (sync == NULL || sync->status != SCSI_STATUS_GOOD) fail("SYNCHRONIZE CACHE (10) failed");
		scsi_free_scsi_task(sync);
		sync_seconds = (double)(now_ns() - t0) / 1e9;
	}
	printf("result ios=%" PRIu64 " bytes=%" PRIu64 " seconds=%.6f sync_seconds=%.6f\n", ios, bytes, elapsed, sync_seconds);
	fflush(stdout);
	iscsi_logout_sync(iscsi);
	iscsi_destroy_context(iscsi);
	free(buffer);
	return 0;
}
