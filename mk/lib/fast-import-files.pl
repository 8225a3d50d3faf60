#!/usr/bin/perl
# Print git fast-import "filemodify" commands for files, as git would record
# them.  Used by mk/branch.sh.
#
#   fast-import-files.pl DIR        NUL-terminated paths relative to DIR on stdin
#   fast-import-files.pl --tar TOP  a tar stream (uncompressed) on stdin whose
#                                   members all lie under the directory TOP;
#                                   paths are taken relative to TOP
#
# For each file it prints
#   M <mode> inline <path>
#   data <byte count>
#   <the bytes>
# with mode 100755 when the owner may execute the file, 100644 for another
# regular file and 120000 (the target as data) for a symbolic link; a tar hard
# link becomes "C <target> <path>" (a copy within the same commit).
#
# Invariants:
#  1. Bytes are copied raw: no end-of-line, attribute or filter conversion
#     ever applies, so a commit holds exactly the tarball's bytes.
#  2. --tar never writes a file: the release is read once, as a stream.  It
#     reads ustar, GNU (long names and link names: 'L', 'K') and POSIX pax
#     ('x': path, linkpath, size) headers, checks every header's checksum, and
#     refuses what a source tree has no business holding (devices, FIFOs, a
#     member outside TOP, a truncated archive).
#  3. A path git fast-import could misread (starting with a double quote, or
#     holding a newline or backslash) is written C-quoted.
use strict;
use warnings;

binmode STDIN;
binmode STDOUT;

sub quoted {	# PATH [QUOTE-SPACES]
	my ($p, $spaces) = @_;
	return $p unless $p =~ /^"|[\n\\]/ || ($spaces && $p =~ / /);
	$p =~ s/\\/\\\\/g;
	$p =~ s/"/\\"/g;
	$p =~ s/\n/\\n/g;
	return "\"$p\"";
}

sub emit {
	my ($mode, $path, $data) = @_;
	print 'M ', $mode, ' inline ', quoted($path), "\n", 'data ', length($data), "\n", $data, "\n"
		or die "fast-import-files: write: $!\n";
}

sub from_dir {
	my ($dir) = @_;
	local $/ = "\0";
	while (defined(my $path = <STDIN>)) {
		chomp $path;
		next if $path eq '';
		my $file = "$dir/$path";
		if (-l $file) {
			my $target = readlink($file);
			die "fast-import-files: readlink $file: $!\n" unless defined $target;
			emit('120000', $path, $target);
		} elsif (-f _) {
			my $mode = ((stat(_))[2] & 0100) ? '100755' : '100644';
			open(my $fh, '<:raw', $file) or die "fast-import-files: $file: $!\n";
			local $/;
			my $data = <$fh>;
			close($fh) or die "fast-import-files: $file: $!\n";
			emit($mode, $path, defined $data ? $data : '');
		} else {
			die "fast-import-files: $file is neither a file nor a symbolic link\n";
		}
	}
}

sub read_exactly {
	my ($n) = @_;
	my $buf = '';
	while (length($buf) < $n) {
		my $got = read(STDIN, $buf, $n - length($buf), length($buf));
		die "fast-import-files: read: $!\n" unless defined $got;
		die "fast-import-files: the tar archive ends in the middle of a member\n" if $got == 0;
	}
	return $buf;
}

sub octal_field {
	my ($field) = @_;
	if (ord($field) & 0x80) {	# GNU base-256 for large numbers
		my $n = ord($field) & 0x7f;
		$n = $n * 256 + ord($_) for split //, substr($field, 1);
		return $n;
	}
	$field =~ s/[\0 ]+$//;
	$field =~ s/^[\0 ]+//;
	return 0 if $field eq '';
	die "fast-import-files: bad number '$field' in a tar header\n" unless $field =~ /^[0-7]+$/;
	return oct($field);
}

sub from_tar {
	my ($top) = @_;
	my ($long_name, $long_link, %pax);
	while (1) {
		my $got = read(STDIN, my $h, 512);
		die "fast-import-files: read: $!\n" unless defined $got;
		last if $got == 0;	# no end-of-archive blocks: accepted, as GNU tar does
		$h .= read_exactly(512 - $got) if $got < 512;
		last if $h =~ /^\0{512}$/;

		my $sum = 0;
		$sum += $_ for unpack('C*', substr($h, 0, 148) . (' ' x 8) . substr($h, 156));
		die "fast-import-files: a tar header fails its checksum: not a tar archive, or a damaged one\n"
			unless $sum == octal_field(substr($h, 148, 8));

		my $name = unpack('Z100', $h);
		my $mode = octal_field(substr($h, 100, 8));
		my $size = octal_field(substr($h, 124, 12));
		my $type = substr($h, 156, 1);
		my $link = unpack('Z100', substr($h, 157, 100));
		if (substr($h, 257, 6) eq "ustar\0") {
			my $prefix = unpack('Z155', substr($h, 345, 155));
			$name = "$prefix/$name" if $prefix ne '';
		}
		$size = $pax{size} if defined $pax{size};
		my $data = read_exactly($size);
		read_exactly((512 - $size % 512) % 512);

		if ($type eq 'L') { ($long_name = $data) =~ s/\0.*//s; next; }
		if ($type eq 'K') { ($long_link = $data) =~ s/\0.*//s; next; }
		if ($type eq 'x') {
			%pax = ();
			while ($data =~ /\G(\d+) /gc) {
				my $start = pos($data) - length($1) - 1;
				my $record = substr($data, $start, $1);
				$record =~ /^\d+ ([^=]+)=(.*)\n\z/s or die "fast-import-files: bad pax record\n";
				$pax{$1} = $2;
				pos($data) = $start + length($record);
			}
			next;
		}
		next if $type eq 'g';

		$name = $long_name if defined $long_name;
		$name = $pax{path} if defined $pax{path};
		$link = $long_link if defined $long_link;
		$link = $pax{linkpath} if defined $pax{linkpath};
		undef $long_name;
		undef $long_link;
		%pax = ();

		$name =~ s{^\./}{};
		next if $type eq '5' || $name eq "$top/" || $name eq $top;
		my $path = $name;
		die "fast-import-files: $name is not under $top/\n" unless $path =~ s{^\Q$top\E/}{};
		$path =~ s{/+$}{};
		die "fast-import-files: $name: unsafe path\n" if $path eq '' || $path =~ m{(^|/)\.\.?(/|$)};

		if ($type eq '0' || $type eq "\0" || $type eq '7') {
			emit(($mode & 0100) ? '100755' : '100644', $path, $data);
		} elsif ($type eq '2') {
			emit('120000', $path, $link);
		} elsif ($type eq '1') {
			$link =~ s{^\./}{};
			die "fast-import-files: hard link $name -> $link leaves $top/\n" unless $link =~ s{^\Q$top\E/}{};
			print 'C ', quoted($link, 1), ' ', quoted($path), "\n" or die "fast-import-files: write: $!\n";
		} else {
			die "fast-import-files: $name: tar member of type '$type' (device, FIFO, ...) in a source tree\n";
		}
	}
}

if (@ARGV == 2 && $ARGV[0] eq '--tar') {
	from_tar($ARGV[1]);
} elsif (@ARGV == 1 && $ARGV[0] !~ /^-/) {
	from_dir($ARGV[0]);
} else {
	die "usage: $0 DIR < NUL-separated paths\n       $0 --tar TOP < tar stream\n";
}
