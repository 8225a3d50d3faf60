<?php

/** @generate-class-entries */

/** Drains the ring into the report database now; false when not observing. */
function mm_observe_flush(): bool {}

/** Records the per-site counters as of now; returns the snapshot's id (0 when not observing). */
function mm_observe_snapshot(string $label = ""): int {}

/** Imports the ring file a dead process left; returns the run id (0: nothing to import). */
function mm_observe_import(string $ring_file, ?string $database = null): int {}

/** Reads the ring file of a running (or dead) observed process: the header and the top sites by live bytes. */
function mm_observe_ring_read(string $ring_file_or_pid, int $top = 20): array {}
