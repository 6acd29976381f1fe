/* Fixed-size log-linear latency histogram (HdrHistogram-like, ~1.6 % bucket width): no allocation per
 * sample, percentiles read at the end of a trial. Values are TSC cycles. */
#ifndef PKTBRIDGE_LATENCY_HIST_H
#define PKTBRIDGE_LATENCY_HIST_H

#include <stdint.h>
#include <string.h>

/* 32 sub-buckets per power of two: values below 32 are exact, larger ones keep their top 6 bits. */
#define HIST_SUB_BITS 5
#define HIST_SUBS (1u << HIST_SUB_BITS)
#define HIST_MAJORS 60

struct latency_hist {
	uint64_t bucket[HIST_MAJORS][HIST_SUBS];
	uint64_t count;
	uint64_t sum;
	uint64_t min;
	uint64_t max;
};

static inline void hist_reset(struct latency_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

static inline void hist_add(struct latency_hist *h, uint64_t value)
{
	unsigned major, sub;
	if (value < HIST_SUBS) {
		major = 0;
		sub = (unsigned)value;
	} else {
		unsigned msb = 63u - (unsigned)__builtin_clzll(value);
		major = msb - HIST_SUB_BITS + 1;
		sub = (unsigned)(value >> (msb - HIST_SUB_BITS)) - HIST_SUBS;
		if (major >= HIST_MAJORS) {
			major = HIST_MAJORS - 1;
			sub = HIST_SUBS - 1;
		}
	}
	h->bucket[major][sub]++;
	h->count++;
	h->sum += value;
	if (value < h->min)
		h->min = value;
	if (value > h->max)
		h->max = value;
}

/* Midpoint of a bucket: the value reported for every sample that fell into it. */
static inline uint64_t hist_bucket_value(unsigned major, unsigned sub)
{
	if (major == 0)
		return sub;
	uint64_t width = 1ull << (major - 1);
	return ((uint64_t)(HIST_SUBS + sub) << (major - 1)) + width / 2;
}

/* The smallest recorded value v such that at least `fraction` of the samples are <= v. */
static inline uint64_t hist_percentile(const struct latency_hist *h, double fraction)
{
	if (h->count == 0)
		return 0;
	uint64_t rank = (uint64_t)(fraction * (double)h->count + 0.5);
	if (rank < 1)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned major = 0; major < HIST_MAJORS; major++) {
		for (unsigned sub = 0; sub < HIST_SUBS; sub++) {
			seen += h->bucket[major][sub];
			if (seen >= rank) {
				uint64_t v = hist_bucket_value(major, sub);
				return v < h->min ? h->min : (v > h->max ? h->max : v);
			}
		}
	}
	return h->max;
}

#endif
