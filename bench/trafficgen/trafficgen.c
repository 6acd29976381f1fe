/* pktbridge bench traffic generator and sink: one busy lcore sends TSC-paced UDP frames carrying a
 * sequence number and a TSC timestamp out of each port and counts what comes back on the other one
 * (loss, reordering, latency histogram). Trials are commanded on stdin, one JSON result line each.
 *
 *   trafficgen <EAL args> -- [--link-timeout-ms N]
 *   stdin:  trial id=<n> rate=<aggregate pps> duration=<s> size=<64..1518|imix> [drain-ms=<n>]
 *           quit
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "latency_hist.h"

#define BURST 32
#define MAX_PORTS 2
#define NUM_MBUFS 16383
#define MBUF_CACHE 256
#define HDR_LEN 42      /* Ethernet 14 + IPv4 20 + UDP 8 */
#define PAYLOAD_LEN 16  /* sequence u64 + TSC u64 */
#define MAGIC_UDP_DST 0x5042
#define UDP_SRC_BASE 0x1000 /* + stream (transmitting port index) */
#define MAX_PATTERN 12
#define FCS_LEN 4

/* Simple IMIX (7:4:1 of 64/570/1518-byte frames), interleaved so every window sees the mix. */
static const uint16_t imix_pattern[MAX_PATTERN] = {64, 570, 64, 64, 570, 64, 1518, 64, 570, 64, 64, 570};

struct tx_state {
	uint64_t intended; /* packets the schedule asked for so far */
	uint64_t sent;
	uint64_t failed; /* refused by tx_burst or no mbuf: the path did not take them */
	uint64_t seq;
};

struct rx_state {
	uint64_t received;
	uint64_t bytes;
	uint64_t next_seq; /* highest sequence seen + 1 */
	uint64_t reordered;
};

struct trial {
	uint32_t id;
	double rate_pps; /* aggregate over all ports */
	double duration_s;
	uint16_t frame_size; /* 0 = IMIX */
	uint32_t drain_ms;
};

static uint16_t nb_ports;
static struct rte_mempool *pool;
static uint8_t templates[MAX_PORTS][MAX_PATTERN][HDR_LEN];
static uint16_t pattern_len[MAX_PATTERN]; /* packet length without FCS for each pattern slot */
static unsigned pattern_slots;
static struct tx_state tx[MAX_PORTS];
static struct rx_state rx[MAX_PORTS];
static uint64_t rx_foreign;
static struct latency_hist hist;
static volatile sig_atomic_t quit_requested;

static void on_signal(int sig)
{
	(void)sig;
	quit_requested = 1;
}

static void fail(const char *code, const char *message)
{
	printf("{\"type\":\"error\",\"code\":\"%s\",\"message\":\"%s\"}\n", code, message);
	fflush(stdout);
	exit(2);
}

static void port_mac(unsigned index, struct rte_ether_addr *mac)
{
	static const uint8_t base[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
	memcpy(mac->addr_bytes, base, 6);
	mac->addr_bytes[5] = (uint8_t)(1 + index);
}

/* Ethernet/IPv4/UDP header for frames leaving port `index` with packet length `len` (no FCS).
 * Addresses come from RFC 2544's benchmarking range 198.18.0.0/15. */
static void build_template(uint8_t *out, unsigned index, uint16_t len, uint16_t trial_id)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)out;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(out + sizeof(*eth));
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(out + sizeof(*eth) + sizeof(*ip));
	unsigned peer = (index + 1) % (nb_ports > 1 ? nb_ports : 1);
	port_mac(index, &eth->src_addr);
	port_mac(peer, &eth->dst_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - sizeof(*eth)));
	ip->packet_id = rte_cpu_to_be_16(trial_id); /* late frames of an earlier trial are not counted */
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(0xC6120001u + (index << 8));
	ip->dst_addr = rte_cpu_to_be_32(0xC6120001u + (peer << 8));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16((uint16_t)(UDP_SRC_BASE + index));
	udp->dst_port = rte_cpu_to_be_16(MAGIC_UDP_DST);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(len - sizeof(*eth) - sizeof(*ip)));
	udp->dgram_cksum = 0;
}

static void prepare_trial(const struct trial *t)
{
	pattern_slots = t->frame_size ? 1 : MAX_PATTERN;
	for (unsigned slot = 0; slot < pattern_slots; slot++) {
		uint16_t frame = t->frame_size ? t->frame_size : imix_pattern[slot];
		pattern_len[slot] = (uint16_t)(frame - FCS_LEN);
		for (unsigned p = 0; p < nb_ports; p++)
			build_template(templates[p][slot], p, pattern_len[slot], (uint16_t)t->id);
	}
	memset(tx, 0, sizeof(tx));
	memset(rx, 0, sizeof(rx));
	rx_foreign = 0;
	hist_reset(&hist);
}

static void send_burst(unsigned p, unsigned n)
{
	struct rte_mbuf *bufs[BURST];
	struct tx_state *s = &tx[p];
	s->intended += n;
	if (rte_pktmbuf_alloc_bulk(pool, bufs, n) != 0) {
		s->failed += n;
		return;
	}
	uint64_t now = rte_rdtsc();
	for (unsigned i = 0; i < n; i++) {
		unsigned slot = (unsigned)(s->seq % pattern_slots);
		uint16_t len = pattern_len[slot];
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(bufs[i], len);
		rte_memcpy(d, templates[p][slot], HDR_LEN);
		memcpy(d + HDR_LEN, &s->seq, sizeof(s->seq));
		memcpy(d + HDR_LEN + 8, &now, sizeof(now));
		s->seq++;
	}
	uint16_t sent = rte_eth_tx_burst((uint16_t)p, 0, bufs, (uint16_t)n);
	if (sent < n)
		rte_pktmbuf_free_bulk(&bufs[sent], n - sent);
	s->sent += sent;
	s->failed += n - sent;
}

static void receive_burst(unsigned p, uint16_t trial_id)
{
	struct rte_mbuf *bufs[BURST];
	uint16_t n = rte_eth_rx_burst((uint16_t)p, 0, bufs, BURST);
	if (n == 0)
		return;
	uint64_t now = rte_rdtsc();
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *d = rte_pktmbuf_mtod(bufs[i], const uint8_t *);
		uint16_t ether_type, ip_id, udp_src, udp_dst;
		if (rte_pktmbuf_data_len(bufs[i]) < HDR_LEN + PAYLOAD_LEN) {
			rx_foreign++;
			continue;
		}
		memcpy(&ether_type, d + 12, 2);
		memcpy(&ip_id, d + 18, 2);
		memcpy(&udp_src, d + 34, 2);
		memcpy(&udp_dst, d + 36, 2);
		unsigned stream = (unsigned)(rte_be_to_cpu_16(udp_src) - UDP_SRC_BASE);
		if (ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
		    udp_dst != rte_cpu_to_be_16(MAGIC_UDP_DST) || rte_be_to_cpu_16(ip_id) != trial_id ||
		    stream >= nb_ports) {
			rx_foreign++;
			continue;
		}
		uint64_t seq, stamp;
		memcpy(&seq, d + HDR_LEN, 8);
		memcpy(&stamp, d + HDR_LEN + 8, 8);
		struct rx_state *r = &rx[stream];
		r->received++;
		r->bytes += rte_pktmbuf_pkt_len(bufs[i]) + FCS_LEN;
		if (seq >= r->next_seq)
			r->next_seq = seq + 1;
		else
			r->reordered++;
		hist_add(&hist, now - stamp);
	}
	rte_pktmbuf_free_bulk(bufs, n);
}

static void run_trial(const struct trial *t)
{
	const uint64_t hz = rte_get_tsc_hz();
	const double per_port_per_cycle = t->rate_pps / nb_ports / (double)hz;
	const uint64_t target = (uint64_t)(t->rate_pps / nb_ports * t->duration_s + 0.5);
	const uint16_t trial_id = (uint16_t)t->id;
	prepare_trial(t);

	const uint64_t start = rte_rdtsc();
	/* A generator that falls behind gets 10 % + 50 ms of grace; what it never sent counts as lost. */
	const uint64_t cutoff = start + (uint64_t)(t->duration_s * 1.1 * (double)hz) + hz / 20;
	uint64_t now = start;
	int sending = 1;
	while (sending && !quit_requested) {
		now = rte_rdtsc();
		sending = 0;
		for (unsigned p = 0; p < nb_ports; p++) {
			uint64_t due = (uint64_t)((double)(now - start) * per_port_per_cycle) + 1;
			if (due > target)
				due = target;
			if (tx[p].intended < target)
				sending = 1;
			if (due > tx[p].intended) {
				uint64_t pending = due - tx[p].intended;
				send_burst(p, pending > BURST ? BURST : (unsigned)pending);
			}
		}
		for (unsigned p = 0; p < nb_ports; p++)
			receive_burst(p, trial_id);
		if (now > cutoff)
			break;
	}
	const uint64_t tx_end = rte_rdtsc();
	const uint64_t drain_end = tx_end + hz / 1000 * t->drain_ms;
	while (rte_rdtsc() < drain_end)
		for (unsigned p = 0; p < nb_ports; p++)
			receive_burst(p, trial_id);

	uint64_t intended = 0, sent = 0, failed = 0, received = 0, reordered = 0, bytes = 0, late = 0;
	for (unsigned p = 0; p < nb_ports; p++) {
		late += target - tx[p].intended;
		intended += target;
		sent += tx[p].sent;
		failed += tx[p].failed;
		received += rx[p].received;
		reordered += rx[p].reordered;
		bytes += rx[p].bytes;
	}
	const double ns_per_cycle = 1e9 / (double)hz;
	const uint64_t lost = received >= intended ? 0 : intended - received;
	char size_json[16];
	if (t->frame_size)
		snprintf(size_json, sizeof(size_json), "%u", t->frame_size);
	else
		snprintf(size_json, sizeof(size_json), "\"imix\"");
	printf("{\"type\":\"trial\",\"id\":%u,\"frameSize\":%s,\"ratePps\":%.1f,\"durationS\":%.6f,"
	       "\"elapsedS\":%.6f,\"txIntended\":%" PRIu64 ",\"txSent\":%" PRIu64 ",\"txFailed\":%" PRIu64
	       ",\"txLate\":%" PRIu64 ",\"rxPackets\":%" PRIu64 ",\"rxBytes\":%" PRIu64 ",\"lost\":%" PRIu64
	       ",\"reordered\":%" PRIu64 ",\"rxForeign\":%" PRIu64 ",\"txPerPort\":[",
	       t->id, size_json, t->rate_pps, t->duration_s,
	       (double)(tx_end - start) / (double)hz, intended, sent, failed, late, received, bytes, lost,
	       reordered, rx_foreign);
	for (unsigned p = 0; p < nb_ports; p++)
		printf("%s%" PRIu64, p ? "," : "", tx[p].sent);
	printf("],\"rxPerPort\":[");
	for (unsigned p = 0; p < nb_ports; p++)
		printf("%s%" PRIu64, p ? "," : "", rx[(p + 1) % nb_ports].received);
	printf("],\"latencyNs\":{\"samples\":%" PRIu64 ",\"min\":%.0f,\"avg\":%.0f,\"p50\":%.0f,\"p90\":%.0f,"
	       "\"p99\":%.0f,\"p999\":%.0f,\"max\":%.0f}}\n",
	       hist.count, hist.count ? (double)hist.min * ns_per_cycle : 0.0,
	       hist.count ? (double)hist.sum / (double)hist.count * ns_per_cycle : 0.0,
	       (double)hist_percentile(&hist, 0.50) * ns_per_cycle,
	       (double)hist_percentile(&hist, 0.90) * ns_per_cycle,
	       (double)hist_percentile(&hist, 0.99) * ns_per_cycle,
	       (double)hist_percentile(&hist, 0.999) * ns_per_cycle, (double)hist.max * ns_per_cycle);
	fflush(stdout);
}

static void setup_port(uint16_t port)
{
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(port, 1, 1, &conf) < 0)
		fail("PORT_CONFIGURE", "rte_eth_dev_configure failed");
	int socket = rte_eth_dev_socket_id(port);
	unsigned sock = socket < 0 ? 0 : (unsigned)socket;
	/* 0 descriptors = the PMD's own default ring size (memif and af_packet size rings from devargs). */
	if (rte_eth_rx_queue_setup(port, 0, 0, sock, NULL, pool) < 0)
		fail("PORT_RXQ", "rte_eth_rx_queue_setup failed");
	if (rte_eth_tx_queue_setup(port, 0, 0, sock, NULL) < 0)
		fail("PORT_TXQ", "rte_eth_tx_queue_setup failed");
	if (rte_eth_dev_start(port) < 0)
		fail("PORT_START", "rte_eth_dev_start failed");
	rte_eth_promiscuous_enable(port); /* af_packet/veth: see frames for the peer's MAC too */
}

static void wait_links(unsigned timeout_ms)
{
	const uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() / 1000 * timeout_ms;
	for (;;) {
		unsigned up = 0;
		for (uint16_t p = 0; p < nb_ports; p++) {
			struct rte_eth_link link;
			if (rte_eth_link_get_nowait(p, &link) == 0 && link.link_status == RTE_ETH_LINK_UP)
				up++;
		}
		if (up == nb_ports)
			return;
		if (quit_requested || rte_get_timer_cycles() > deadline)
			fail("LINK_DOWN", "ports did not come up before the link timeout");
		rte_delay_ms(10);
	}
}

static int parse_trial(char *line, struct trial *t)
{
	memset(t, 0, sizeof(*t));
	t->drain_ms = 20;
	t->frame_size = 64;
	int have_rate = 0, have_duration = 0;
	for (char *tok = strtok(line + 5, " \t\n"); tok; tok = strtok(NULL, " \t\n")) {
		if (!strncmp(tok, "id=", 3))
			t->id = (uint32_t)strtoul(tok + 3, NULL, 10);
		else if (!strncmp(tok, "rate=", 5))
			t->rate_pps = strtod(tok + 5, NULL), have_rate = 1;
		else if (!strncmp(tok, "duration=", 9))
			t->duration_s = strtod(tok + 9, NULL), have_duration = 1;
		else if (!strncmp(tok, "drain-ms=", 9))
			t->drain_ms = (uint32_t)strtoul(tok + 9, NULL, 10);
		else if (!strcmp(tok, "size=imix"))
			t->frame_size = 0;
		else if (!strncmp(tok, "size=", 5))
			t->frame_size = (uint16_t)strtoul(tok + 5, NULL, 10);
		else
			return -1;
	}
	if (!have_rate || !have_duration || t->rate_pps <= 0 || t->duration_s <= 0 || t->duration_s > 3600)
		return -1;
	if (t->frame_size != 0 && (t->frame_size < 64 || t->frame_size > 1518))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	int consumed = rte_eal_init(argc, argv);
	if (consumed < 0)
		fail("EAL_INIT", rte_strerror(rte_errno));
	argc -= consumed;
	argv += consumed;
	unsigned link_timeout_ms = 10000;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--link-timeout-ms") && i + 1 < argc)
			link_timeout_ms = (unsigned)strtoul(argv[++i], NULL, 10);
		else
			fail("USAGE", "unknown argument (expected --link-timeout-ms N)");
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	nb_ports = rte_eth_dev_count_avail();
	if (nb_ports < 1 || nb_ports > MAX_PORTS)
		fail("PORT_COUNT", "need one or two ports (--vdev)");
	pool = rte_pktmbuf_pool_create("tg_pool", NUM_MBUFS, MBUF_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (!pool)
		fail("MEMPOOL", rte_strerror(rte_errno));
	for (uint16_t p = 0; p < nb_ports; p++)
		setup_port(p);
	wait_links(link_timeout_ms);
	printf("{\"type\":\"ready\",\"ports\":%u,\"tscHz\":%" PRIu64 "}\n", nb_ports, rte_get_tsc_hz());
	fflush(stdout);

	char line[256];
	while (!quit_requested && fgets(line, sizeof(line), stdin)) {
		struct trial t;
		if (!strncmp(line, "quit", 4))
			break;
		if (strncmp(line, "trial", 5) || parse_trial(line, &t) != 0) {
			printf("{\"type\":\"error\",\"code\":\"BAD_COMMAND\",\"message\":\"expected: trial id=N "
			       "rate=PPS duration=S size=64..1518|imix [drain-ms=N]\"}\n");
			fflush(stdout);
			continue;
		}
		run_trial(&t);
	}
	for (uint16_t p = 0; p < nb_ports; p++) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	rte_eal_cleanup();
	return 0;
}
