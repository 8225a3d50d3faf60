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
#   make bench      stock vs fork (observation off / on) vs a peer (Debian's Xdebug
#                   in the stock build, mk/peer.sh): instructions, wall, RSS;
#                   php-fpm req/s and CPU per request (needs nginx and wrk)
#   make install [PREFIX=/opt/php-mm] [DESTDIR=]  install php, php-fpm, phpize,
#                   php-config, headers, run-tests.php, opcache, php.ini, a pool
#                   and a systemd unit (mk/install.sh); PREFIX is compiled in
#   make deb        Debian packages php8.4-mm-observe-{cli,fpm,dev} (mk/deb.sh)
#   make test-install  make install and make deb, installed and used for real
#                   (mk/install-test.sh; root, on a machine without them)
#   make rebase VERSION=8.4.N  move the patch queue to another release: fetch,
#                   check, apply, refresh moved patches, update upstream.lock
#                   (mk/rebase.sh; PHP_TARBALL=/path SHA256=... for your own tarball)
#   make branch     the fork as a git branch: import, one commit per patch, our
#                   files (mk/branch.sh); make patches-from-branch is the way back
#   make clean      remove the build trees (the downloaded tarball is kept)
#
# PHP_TARBALL=/path/to/php-8.4.24.tar.xz uses a tarball you already have.
# PROFILE=full builds the extensions a Laravel/Symfony staging box needs
# (intl, gd, zip, sodium, gmp, mysql, pgsql, exif, ...); PROFILE=ci (the
# default) the set the tests need.  PREFIX and PROFILE are remembered by the
# build tree: a later plain `make` keeps them.
# MM_BUILD_DIR=/elsewhere (environment or make argument) puts everything built
# there instead of _build/; the scripts under mk/ and bench/ read the same
# variable, so it is passed to them as an absolute path.
# Rebuilds are incremental: see README.md, "Iterating on the code".

.PHONY: all build fork stock test test-upstream check-vm-trace demo bench install deb test-install rebase branch patches-from-branch clean distclean

override MM_BUILD_DIR := $(abspath $(or $(MM_BUILD_DIR),$(CURDIR)/_build))
export MM_BUILD_DIR
ifneq ($(PREFIX),)
export MM_PREFIX := $(PREFIX)
endif
ifneq ($(PROFILE),)
export MM_PROFILE := $(PROFILE)
endif

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

install:
	@mk/install.sh

deb:
	@mk/deb.sh

test-install:
	@MM_NO_BUILD=1 mk/install-test.sh

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

# Another upstream release: VERSION=8.4.N from Debian's archive, or
# PHP_TARBALL=/path SHA256=<published sha256> (SHA256=print only computes it).
rebase:
	@mk/rebase.sh

# The fork as a git branch (BRANCH_REPO=, default $(MM_BUILD_DIR)/branch/
# php-src-mm-observe.git) and the way back from an edited branch.
branch:
	@mk/branch.sh

patches-from-branch:
	@mk/branch.sh --to-patches

clean:
	rm -rf "$(MM_BUILD_DIR)/fork" "$(MM_BUILD_DIR)/stock" "$(MM_BUILD_DIR)/bin"

# Refuses a build directory that holds this checkout (MM_BUILD_DIR=., .., /).
distclean:
	$(if $(filter $(MM_BUILD_DIR:%/=%)/%,$(CURDIR)/),$(error distclean: MM_BUILD_DIR=$(MM_BUILD_DIR) contains the source tree; not removing it))
	rm -rf "$(MM_BUILD_DIR)"
