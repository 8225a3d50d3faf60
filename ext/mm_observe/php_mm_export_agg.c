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

typedef struct {
	const php_mm_agg *a;
	int64_t window;
	const char *method, *uri;
	size_t method_len, uri_len;
} php_mm_agg_endpoint_key;

static bool php_mm_agg_endpoint_eq(const void *ctx, uint32_t entry)
{
	const php_mm_agg_endpoint_key *k = ctx;
	const php_mm_agg_endpoint *ep = &k->a->endpoints[entry];

	return ep->window == k->window && strlen(ep->method) == k->method_len && memcmp(ep->method, k->method, k->method_len) == 0
		&& strlen(ep->uri) == k->uri_len && memcmp(ep->uri, k->uri, k->uri_len) == 0;
}

static int32_t php_mm_agg_endpoint_get(php_mm_agg *a, int64_t window, const char *method, size_t method_len,
	const char *uri, size_t uri_len)
{
	if (method_len >= sizeof(a->endpoints[0].method)) {
		method_len = sizeof(a->endpoints[0].method) - 1;
	}
	/* The window, the method, a separator no method holds, the URI. */
	uint32_t h = php_mm_hash_bytes(PHP_MM_HASH_SEED, &window, sizeof(window));
	h = php_mm_hash_bytes(h, method, method_len);
	h = php_mm_hash_bytes(h, "\xFF", 1);
	h = php_mm_hash_bytes(h, uri, uri_len);
	if (!php_mm_hash_reserve(&a->endpoint_index)) {
		return -1;
	}
	php_mm_agg_endpoint_key key = { a, window, method, uri, method_len, uri_len };
	uint32_t slot, found = php_mm_hash_find(&a->endpoint_index, h, php_mm_agg_endpoint_eq, &key, &slot);
	if (found != PHP_MM_HASH_NONE) {
		return (int32_t) found;
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
	php_mm_hash_add(&a->endpoint_index, slot, h, a->endpoint_count);
	return (int32_t) a->endpoint_count++;
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

typedef struct {
	const php_mm_agg *a;
	uint32_t endpoint, site;
} php_mm_agg_site_key;

static bool php_mm_agg_site_eq(const void *ctx, uint32_t entry)
{
	const php_mm_agg_site_key *k = ctx;
	const php_mm_agg_site *t = &k->a->sites[entry];

	return t->endpoint == k->endpoint && t->site == k->site;
}

/* The (endpoint, site) pair's entry, made when new; NULL past the bound
 * or out of memory. */
static php_mm_agg_site *php_mm_agg_site_get(php_mm_agg *a, uint32_t endpoint, uint32_t site_idx)
{
	uint32_t h = php_mm_hash_u64(((uint64_t) endpoint << 32) | site_idx);
	php_mm_agg_site_key key = { a, endpoint, site_idx };
	uint32_t slot, found;

	if (!php_mm_hash_reserve(&a->site_index)) {
		return NULL;
	}
	found = php_mm_hash_find(&a->site_index, h, php_mm_agg_site_eq, &key, &slot);
	if (found != PHP_MM_HASH_NONE) {
		return &a->sites[found];
	}
	if (a->site_count >= PHP_MM_AGG_SITES_MAX) {
		return NULL;
	}
	if (a->site_count == a->site_cap) {
		uint32_t cap = a->site_cap ? a->site_cap * 2 : 1024;
		php_mm_agg_site *n = realloc(a->sites, sizeof(*n) * cap);
		if (!n) {
			return NULL;
		}
		a->sites = n;
		a->site_cap = cap;
	}
	php_mm_agg_site *t = &a->sites[a->site_count];
	memset(t, 0, sizeof(*t));
	t->endpoint = endpoint;
	t->site = site_idx;
	php_mm_hash_add(&a->site_index, slot, h, a->site_count++);
	return t;
}

void php_mm_agg_site_add(php_mm_agg *a, int32_t endpoint, uint32_t site_idx, const zend_mm_observe_site *s)
{
	php_mm_agg_site *t = php_mm_agg_site_get(a, (uint32_t) endpoint, site_idx);

	if (!t) {
		a->sites_dropped++;
		return;
	}
	t->requests++;
	t->alloc_count += s->alloc_count;
	t->alloc_bytes += s->alloc_bytes;
	t->realloc_count += s->realloc_count;
	t->realloc_bytes += s->realloc_bytes;
	t->realloc_growth_bytes += s->realloc_growth_bytes;
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
	php_mm_hash_clear(&a->endpoint_index);
	a->site_count = 0;
	php_mm_hash_clear(&a->site_index);
	a->sites_dropped = 0;
	a->requests = 0;
}

void php_mm_agg_free(php_mm_agg *a)
{
	php_mm_agg_clear(a);
	free(a->endpoints);
	php_mm_hash_free(&a->endpoint_index);
	free(a->sites);
	php_mm_hash_free(&a->site_index);
	memset(a, 0, sizeof(*a));
}
