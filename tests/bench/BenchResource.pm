package BenchResource;

# BenchResource - the bench lines that measure a cost rather than a rate
# (tests/bench/run's "resource" table, lower is better):
#
#   idle_10k     10,000 keep-alive connections that each made one request
#                and then sit idle: the growth of the workers' resident
#                memory (RSS from /proc) divided by the connections open.
#   latency_p99  the 99th percentile of response times at a fixed rate
#                well below saturation (h2load --h1 --rps, which logs
#                every request's time with --log-file).
#   syscalls_pid system calls per keep-alive /pid request, counted by
#                strace -c on every worker; its target is hive's own
#                figure (absolute), not a ratio to nginx.
#
# Sockets are read with blocking calls under SO_RCVTIMEO, not select():
# select() cannot watch descriptors past 1023.

use strict;
use warnings;

use IO::Socket::INET;
use JSON::PP ();
use Socket qw(SOL_SOCKET SO_RCVTIMEO);
use Time::HiRes qw(time);

# Connections per batch: connected, asked, answered, before the next
# batch, so the listen backlog never overflows (a dropped SYN costs a 1 s
# retransmit).
my $BATCH = 200;

# Opens up to $n connections to 127.0.0.1:$port, each sends one GET of
# $path and reads the answer; returns the sockets that got a 200 (still
# open, idle in keep-alive) and the error text of the first failure.
# Gives up after $budget seconds.
sub open_idle {
    my ($port, $n, $path, $budget) = @_;
    my (@open, $err);
    my $deadline = time + ($budget // 60);
    my $req = "GET $path HTTP/1.1\r\nHost: localhost\r\n\r\n";

    while (@open < $n && time < $deadline && !defined $err) {
        my @batch;
        for (1 .. ($n - @open < $BATCH ? $n - @open : $BATCH)) {
            my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                PeerPort => $port, Proto => 'tcp', Timeout => 5);
            if (!$s) {
                $err = "connect: $!";
                last;
            }
            setsockopt($s, SOL_SOCKET, SO_RCVTIMEO, pack('l!l!', 5, 0));
            syswrite($s, $req);
            push @batch, $s;
        }
        for my $s (@batch) {
            my $n = sysread($s, my $buf, 65536);
            if ($n && $buf =~ m{^HTTP/1\.\d 200 }) {
                push @open, $s;
            } else {
                $err //= 'no 200 answer' . ($n ? '' : ": $!");
                close $s;
            }
        }
    }
    $err //= "only " . @open . " connections in ${budget}s" if @open < $n;
    return (\@open, $err);
}

# Whether $n descriptors can be opened by this process (the soft limit
# of open files, read through the shell, leaves room for them).
sub nofile_ok {
    my ($n) = @_;
    my $soft = `sh -c 'ulimit -n' 2>/dev/null` // '';
    chomp $soft;
    return $soft eq 'unlimited' || ($soft =~ /^\d+$/ && $soft > $n + 100);
}

# Response times in milliseconds from an h2load --log-file (columns:
# start in microseconds, status, microseconds to the end of the
# response), sorted; only 2xx answers count.  The count of the others
# comes second.
sub read_latency_log {
    my ($path) = @_;
    my (@ms, $bad);
    open(my $fh, '<', $path) or return ([], 0);
    while (my $l = <$fh>) {
        my (undef, $status, $us) = split /\t/, $l;
        next unless defined $us;
        if ($status =~ /^2/) {
            push @ms, $us / 1000;
        } else {
            $bad++;
        }
    }
    close $fh;
    return ([sort { $a <=> $b } @ms], $bad // 0);
}

# The $p-th percentile (0-100) of sorted values, nearest rank.
sub percentile {
    my ($sorted, $p) = @_;
    return undef unless @$sorted;
    my $rank = int($p / 100 * @$sorted + 0.999999);
    $rank = 1 if $rank < 1;
    return $sorted->[$rank - 1];
}

# hive / every peer, and the verdict against nginx (the issue's targets
# for these lines are "<= 1.0 x nginx"): lower is better.
sub ratios {
    my ($row) = @_;
    my $h = $row->{servers}{hive} or return $row;
    for my $peer (grep { $_ ne 'hive' } keys %{ $row->{servers} }) {
        my $v = $row->{servers}{$peer}{value};
        $row->{ratio}{$peer} = $v && defined $h->{value} ? $h->{value} / $v
            : undef;
    }
    my $r = $row->{ratio}{nginx};
    $row->{hive_vs_nginx} = $r;
    my $judged = $row->{absolute} ? $h->{value} : $r;
    $row->{met} = defined $judged && $judged <= $row->{target}
        ? JSON::PP::true : JSON::PP::false;
    return $row;
}

# "<= 1.00" (hive / nginx), or "<= 2.05 (hive)" for an absolute target.
sub _target {
    my ($l) = @_;
    return sprintf('<= %.2f%s', $l->{target}, $l->{absolute} ? ' (hive)' : '');
}

sub _fmt {
    my ($v, $digits) = @_;
    return '-' unless defined $v;
    my $s = sprintf("%.${digits}f", $v);
    1 while $s =~ s/^(\d+)(\d{3})/$1,$2/;
    return $s;
}

# The printed table.
sub text {
    my ($rows) = @_;
    return '' unless @$rows;
    my $t = "\nresource lines (lower is better):\n";
    $t .= sprintf "%-44s %-10s %12s %9s\n", 'line', 'server', 'value',
        'hive/x';
    for my $l (@$rows) {
        my $first = "$l->{title} ($l->{unit})";
        for my $name (sort { ($b eq 'hive') <=> ($a eq 'hive') || $a cmp $b }
            keys %{ $l->{servers} }) {
            my $s = $l->{servers}{$name};
            my $r = $l->{ratio}{$name};
            $t .= sprintf "%-44s %-10s %12s %9s%s\n", $first, $name,
                _fmt($s->{value}, $l->{digits}),
                $name eq 'hive' || !defined $r ? '' : sprintf('%.2f', $r),
                $s->{note} ? "  ($s->{note})" : '';
            $first = '';
        }
        $t .= sprintf "%-44s %-10s %12s %9s  target %s: %s\n", '',
            'vs nginx', '', defined $l->{hive_vs_nginx}
            ? sprintf('%.2f', $l->{hive_vs_nginx}) : '-', _target($l),
            $l->{met} ? 'met' : 'MISSED';
    }
    return $t;
}

# The README table.
sub markdown {
    my ($rows, @peers) = @_;
    return '' unless @$rows;
    my $t = "\n| line | hive | " . join(' | ', @peers)
        . " | hive / nginx | target |\n" . '|---' x (4 + @peers) . "|\n";
    for my $l (@$rows) {
        my @cells = map {
            my $s = $l->{servers}{$_};
            $s ? _fmt($s->{value}, $l->{digits}) : 'n/a'
        } ('hive', @peers);
        $t .= "| $l->{title} ($l->{unit}) | " . join(' | ', @cells)
            . sprintf(" | %s | %s %s |\n", defined $l->{hive_vs_nginx}
                ? sprintf('%.2f', $l->{hive_vs_nginx}) : '-',
                $l->{met} ? 'met' : 'missed', _target($l));
    }
    return $t;
}

1;
