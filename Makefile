# mm_observe: PHP 8.4 with memory and GC observability, as a patch queue.
#
#   make            build the fork (_build/fork/src/sapi/cli/php, linked as _build/bin/php)
#   make stock      build the same tarball unpatched (_build/bin/php-stock)
#   make test       build both, run our phpt tests and the CI set of the
#                   upstream fidelity comparison (mk/check.sh)
#   make test-upstream  upstream's full test suite, stock vs the observed fork
#                   (about 20 minutes); the report goes to docs/upstream-fidelity.md
#   make demo       build the fork, observe examples/demo.php, print its top lines
#   make check-vm-trace  build a checking fork (_build/check) and run our and
#                   upstream's tests on it: every allocation made before a
#                   handler saved its opline is reported (mk/check-vm-trace.sh)
#   make bench      stock vs fork (observation off / on): instructions, wall, RSS;
#                   php-fpm req/s and CPU per request (needs nginx and wrk)
#   make clean      remove the build trees (the downloaded tarball is kept)
#
# PHP_TARBALL=/path/to/php-8.4.24.tar.xz uses a tarball you already have.
# MM_BUILD_DIR=/elsewhere (environment or make argument) puts everything built
# there instead of _build/; the scripts under mk/ and bench/ read the same
# variable, so it is passed to them as an absolute path.
# Rebuilds are incremental: see README.md, "Iterating on the code".

.PHONY: all build fork stock test test-upstream check-vm-trace demo bench clean distclean

override MM_BUILD_DIR := $(abspath $(or $(MM_BUILD_DIR),$(CURDIR)/_build))
export MM_BUILD_DIR

all: build

build fork:
	@mk/build.sh fork

stock:
	@mk/build.sh stock

test:
	@mk/check.sh

test-upstream:
	@mk/test-upstream.sh full
	@mkdir -p docs && cp "$(MM_BUILD_DIR)/upstream/full/report.md" docs/upstream-fidelity.md

check-vm-trace:
	@mk/check-vm-trace.sh ci

demo: build
	@mk/demo.sh

# The php-fpm section (bench/fpm_throughput.sh: nginx + php-fpm + wrk, req/s
# and CPU per request) is appended to bench/results.md; FPM_BENCH_SECONDS=5
# FPM_BENCH_RUNS=3 per run; BENCH_FPM=0 skips it.
bench:
	@mk/bench.sh
	@out="$(MM_BUILD_DIR)/bench/fpm.md"; mkdir -p "$${out%/*}"; rc=0; \
	if [ "$${BENCH_FPM:-1}" = 0 ]; then printf '## php-fpm\n\nphp-fpm row skipped: BENCH_FPM=0.\n' >"$$out"; \
	else FPM_BENCH_OUT="$$out" bench/fpm_throughput.sh "$${FPM_BENCH_SECONDS:-5}" "$${FPM_BENCH_RUNS:-3}" || rc=$$?; fi; \
	[ -s "$$out" ] || printf '## php-fpm\n\nphp-fpm row failed: bench/fpm_throughput.sh exited with %s (see its messages above).\n' "$$rc" >"$$out"; \
	{ echo; cat "$$out"; } >>bench/results.md; exit $$rc

clean:
	rm -rf "$(MM_BUILD_DIR)/fork" "$(MM_BUILD_DIR)/stock" "$(MM_BUILD_DIR)/bin"

# Refuses a build directory that holds this checkout (MM_BUILD_DIR=., .., /).
distclean:
	$(if $(filter $(MM_BUILD_DIR:%/=%)/%,$(CURDIR)/),$(error distclean: MM_BUILD_DIR=$(MM_BUILD_DIR) contains the source tree; not removing it))
	rm -rf "$(MM_BUILD_DIR)"
