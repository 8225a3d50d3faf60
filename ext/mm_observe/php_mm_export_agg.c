/*
   +----------------------------------------------------------------------+
   | mm_observe exporter: per-endpoint aggregates of a worker's requests  |
   +----------------------------------------------------------------------+
   | The contract is php_mm_export_agg.h.                                 |
   +----------------------------------------------------------------------+
*/

#ifdef HAVE_CONFIG_H
# include <config.h>
#endif

#include "php.h"
#include "php_mm_export_agg.h"

#include <stdlib.h>
#include <string.h>

int64_t php_mm_agg_window(uint64_t started_ns, uint32_t window_seconds)
{
	int64_t sec = (int64_t) (started_ns / 1000000000u);

	return window_seconds ? sec - sec % window_seconds : sec;
}

/* FNV-1a over the window, the method and the URI. */
static uint32_t php_mm_agg_hash(int64_t window, const char *method, size_t method_len, const char *uri, size_t uri_len)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 8; i++) {
		h = (h ^ (uint8_t) ((uint64_t) window >> (i * 8))) * 16777619u;
	}
	for (size_t i = 0; i < method_len; i++) {
		h = (h ^ (uint8_t) method[i]) * 16777619u;
	}
	h = (h ^ 0xFFu) * 16777619u;
	for (size_t i = 0; i < uri_len; i++) {
		h = (h ^ (uint8_t) uri[i]) * 16777619u;
	}
	return h ? h : 1;
}

static bool php_mm_agg_slots_grow(php_mm_agg *a)
{
	uint32_t cap = a->slot_cap ? a->slot_cap * 2 : 64;
	uint32_t *slots = calloc(cap, sizeof(uint32_t));

	if (!slots) {
		return false;
	}
	for (uint32_t i = 0; i < a->endpoint_count; i++) {
		uint32_t j = a->endpoints[i].hash & (cap - 1);
		while (slots[j]) {
			j = (j + 1) & (cap - 1);
		}
		slots[j] = i + 1;
	}
	free(a->slots);
	a->slots = slots;
	a->slot_cap = cap;
	return true;
}

static int32_t php_mm_agg_endpoint_get(php_mm_agg *a, int64_t window, const char *method, size_t method_len,
	const char *uri, size_t uri_len)
{
	if (method_len >= sizeof(a->endpoints[0].method)) {
		method_len = sizeof(a->endpoints[0].method) - 1;
	}
	uint32_t h = php_mm_agg_hash(window, method, method_len, uri, uri_len);
	if ((a->endpoint_count + 1) * 2 > a->slot_cap && !php_mm_agg_slots_grow(a)) {
		return -1;
	}
	uint32_t j = h & (a->slot_cap - 1);
	for (; a->slots[j]; j = (j + 1) & (a->slot_cap - 1)) {
		php_mm_agg_endpoint *ep = &a->endpoints[a->slots[j] - 1];
		if (ep->hash == h && ep->window == window && strlen(ep->method) == method_len
				&& memcmp(ep->method, method, method_len) == 0
				&& strlen(ep->uri) == uri_len && memcmp(ep->uri, uri, uri_len) == 0) {
			return (int32_t) (a->slots[j] - 1);
		}
	}
	bool other = method_len == 0 && uri_len == sizeof(PHP_MM_AGG_OTHER) - 1 && memcmp(uri, PHP_MM_AGG_OTHER, uri_len) == 0;
	if (a->endpoint_count >= PHP_MM_AGG_ENDPOINTS_MAX && !other) {
		/* Unbounded URIs (ids in paths): the rest of this batch shares one
		 * endpoint per window, so memory and rows stay bounded. */
		return php_mm_agg_endpoint_get(a, window, "", 0, PHP_MM_AGG_OTHER, sizeof(PHP_MM_AGG_OTHER) - 1);
	}
	if (a->endpoint_count == a->endpoint_cap) {
		uint32_t cap = a->endpoint_cap ? a->endpoint_cap * 2 : 16;
		php_mm_agg_endpoint *n = realloc(a->endpoints, sizeof(*n) * cap);
		if (!n) {
			return -1;
		}
		a->endpoints = n;
		a->endpoint_cap = cap;
	}
	char *copy = malloc(uri_len + 1);
	if (!copy) {
		return -1;
	}
	memcpy(copy, uri, uri_len);
	copy[uri_len] = '\0';
	php_mm_agg_endpoint *ep = &a->endpoints[a->endpoint_count];
	memset(ep, 0, sizeof(*ep));
	ep->window = window;
	memcpy(ep->method, method, method_len);
	ep->uri = copy;
	ep->hash = h;
	a->slots[j] = ++a->endpoint_count;
	return (int32_t) (a->endpoint_count - 1);
}

int32_t php_mm_agg_request(php_mm_agg *a, int64_t window, const zend_mm_observe_request_event *e,
	const char *method, size_t method_len, const char *uri, size_t uri_len)
{
	int32_t idx = php_mm_agg_endpoint_get(a, window, method, method_len, uri, uri_len);

	if (idx < 0) {
		return -1;
	}
	php_mm_agg_endpoint *ep = &a->endpoints[idx];
	ep->requests++;
	ep->errors += e->status != ZEND_MM_OBSERVE_STATUS_OK;
	ep->ooms += e->status == ZEND_MM_OBSERVE_STATUS_OOM;
	ep->detailed += e->detail != ZEND_MM_OBSERVE_DETAIL_NONE;
	ep->duration_ns += e->duration_ns;
	ep->duration_max_ns = MAX(ep->duration_max_ns, e->duration_ns);
	ep->alloc_count += e->alloc_count;
	ep->alloc_bytes += e->alloc_bytes;
	ep->peak_sum += e->peak_usage;
	ep->peak_max = MAX(ep->peak_max, e->peak_usage);
	ep->end_live_bytes += e->end_live_bytes;
	ep->gc_passes += e->gc_passes;
	ep->gc_ns += e->gc_ns;
	uint32_t b = 0;
	for (uint64_t p = e->peak_usage; p > 1 && b + 1 < PHP_MM_AGG_PEAK_BUCKETS; p >>= 1) {
		b++;
	}
	ep->peaks[b]++;
	a->requests++;
	return idx;
}

static zend_always_inline uint32_t php_mm_agg_site_hash(uint32_t endpoint, uint32_t site)
{
	return (uint32_t) ((((uint64_t) endpoint << 32) | site) * 0x9E3779B97F4A7C15ull >> 32);
}

static bool php_mm_agg_sites_grow(php_mm_agg *a)
{
	uint32_t cap = a->site_cap ? a->site_cap * 2 : 1024;
	php_mm_agg_site *sites = calloc(cap, sizeof(*sites));

	if (!sites) {
		return false;
	}
	for (uint32_t i = 0; i < a->site_cap; i++) {
		if (a->sites[i].endpoint) {
			uint32_t j = php_mm_agg_site_hash(a->sites[i].endpoint, a->sites[i].site) & (cap - 1);
			while (sites[j].endpoint) {
				j = (j + 1) & (cap - 1);
			}
			sites[j] = a->sites[i];
		}
	}
	free(a->sites);
	a->sites = sites;
	a->site_cap = cap;
	return true;
}

void php_mm_agg_site_add(php_mm_agg *a, int32_t endpoint, uint32_t site_idx, const zend_mm_observe_site *s)
{
	uint32_t key = (uint32_t) endpoint + 1;

	if ((a->site_used + 1) * 2 > a->site_cap
			&& (a->site_cap >= 2 * PHP_MM_AGG_SITES_MAX || !php_mm_agg_sites_grow(a))) {
		a->sites_dropped++;
		return;
	}
	uint32_t j = php_mm_agg_site_hash(key, site_idx) & (a->site_cap - 1);
	while (a->sites[j].endpoint && (a->sites[j].endpoint != key || a->sites[j].site != site_idx)) {
		j = (j + 1) & (a->site_cap - 1);
	}
	php_mm_agg_site *t = &a->sites[j];
	if (!t->endpoint) {
		t->endpoint = key;
		t->site = site_idx;
		a->site_used++;
	}
	t->requests++;
	t->alloc_count += s->alloc_count;
	t->alloc_bytes += s->alloc_bytes;
	t->realloc_count += s->realloc_count;
	t->leak_count += s->end_live_count;
	t->leak_bytes += s->end_live_bytes;
	t->peak_live_bytes += s->peak_live_bytes;
}

void php_mm_agg_clear(php_mm_agg *a)
{
	for (uint32_t i = 0; i < a->endpoint_count; i++) {
		free(a->endpoints[i].uri);
	}
	a->endpoint_count = 0;
	if (a->slots) {
		memset(a->slots, 0, sizeof(uint32_t) * a->slot_cap);
	}
	if (a->site_used) {
		memset(a->sites, 0, sizeof(*a->sites) * a->site_cap);
	}
	a->site_used = 0;
	a->sites_dropped = 0;
	a->requests = 0;
}

void php_mm_agg_free(php_mm_agg *a)
{
	php_mm_agg_clear(a);
	free(a->endpoints);
	free(a->slots);
	free(a->sites);
	memset(a, 0, sizeof(*a));
}
