/*
   +----------------------------------------------------------------------+
   | mm_observe exporter: per-endpoint aggregates of a worker's requests  |
   +----------------------------------------------------------------------+

   In worker mode (php-fpm and the other SAPIs serving many requests per
   process) most requests keep no per-site detail: each one leaves a
   summary row, and its figures fold into aggregates per endpoint (request
   method and URI without the query) and time window, with the sites it
   touched summed across requests.  This is the in-memory half: two
   arrays, indexed by php_mm_export_hash.h and malloc'd, filled at the end of each request (while ZendMM is
   shut down: nothing here uses it) and written by the exporter in the
   transaction that writes the requests' summary rows, then cleared.  So,
   per endpoint and window, the database's aggregates are always the sum
   of its summary rows (php_mm_export.c, invariant 7).

   Bounds: at most PHP_MM_AGG_ENDPOINTS_MAX endpoints per batch (the rest
   fold into the endpoint "{other}") and PHP_MM_AGG_SITES_MAX (endpoint,
   site) pairs (the rest are counted in sites_dropped, never silently).
*/

#ifndef PHP_MM_EXPORT_AGG_H
#define PHP_MM_EXPORT_AGG_H

#include "zend_mm_observe.h"
#include "zend_mm_observe_ring.h"
#include "php_mm_export_hash.h"

#define PHP_MM_AGG_ENDPOINTS_MAX   4096
#define PHP_MM_AGG_SITES_MAX       (1u << 20)
/* Peak distribution: requests per power of two of the peak (bucket b
 * holds peaks in [2^b, 2^(b+1))). */
#define PHP_MM_AGG_PEAK_BUCKETS    48
/* The endpoint requests fold into past PHP_MM_AGG_ENDPOINTS_MAX. */
#define PHP_MM_AGG_OTHER           "{other}"

typedef struct _php_mm_agg_endpoint {
	int64_t  window;            /* start of its window, Unix seconds */
	char     method[16];
	char    *uri;               /* malloc'd */
	uint64_t requests, errors, ooms, detailed;
	uint64_t duration_ns, duration_max_ns;
	uint64_t alloc_count, alloc_bytes;
	uint64_t peak_sum, peak_max;
	int64_t  end_live_bytes;
	uint64_t gc_passes, gc_ns;
	uint32_t peaks[PHP_MM_AGG_PEAK_BUCKETS];
} php_mm_agg_endpoint;

typedef struct _php_mm_agg_site {
	uint32_t endpoint;          /* index into endpoints */
	uint32_t site;              /* index into the ring's site table */
	uint64_t requests;          /* requests that touched it */
	uint64_t alloc_count, alloc_bytes;
	uint64_t realloc_count, realloc_bytes, realloc_growth_bytes;
	int64_t  leak_count, leak_bytes;   /* live at the end of the script */
	int64_t  peak_live_bytes;          /* summed over the requests */
} php_mm_agg_site;

typedef struct _php_mm_agg {
	php_mm_agg_endpoint *endpoints;
	uint32_t endpoint_count, endpoint_cap;
	php_mm_hash endpoint_index; /* by (window, method, uri) */
	php_mm_agg_site *sites;
	uint32_t site_count, site_cap;
	php_mm_hash site_index;     /* by (endpoint, site) */
	uint64_t sites_dropped;     /* (endpoint, site) pairs past the bound or out of memory */
	uint64_t requests;          /* requests folded since the last clear */
} php_mm_agg;

/* The window a request started in (Unix seconds). */
int64_t php_mm_agg_window(uint64_t started_ns, uint32_t window_seconds);
/* Folds one request's summary; returns its endpoint's index (for
 * php_mm_agg_site_add), or -1 when out of memory. */
int32_t php_mm_agg_request(php_mm_agg *a, int64_t window, const zend_mm_observe_request_event *e,
	const char *method, size_t method_len, const char *uri, size_t uri_len);
/* Adds one site's counters (the request's own) to its endpoint. */
void php_mm_agg_site_add(php_mm_agg *a, int32_t endpoint, uint32_t site_idx, const zend_mm_observe_site *s);
/* Everything written: empty again (memory kept for the next batch). */
void php_mm_agg_clear(php_mm_agg *a);
void php_mm_agg_free(php_mm_agg *a);

#endif /* PHP_MM_EXPORT_AGG_H */
