#!/usr/bin/perl
#
# 26-download-signals.t - signals that reach a worker while it serves a
# large file (a log rotation's USR1, a reload's or a master's death's
# QUIT) must not stall the download.  sendfile() returns a short count
# when a signal interrupts it between two of its 64 KB rounds, with the
# socket far from full; a worker that took that for a full socket waited
# for a write event that never came, until send_timeout cut the client
# off (seen in 21-reload.t and 25-master-death.t about 1 run in 4 under
# load).  A flood of signals makes the interruption likely: without the
# fix 2 or 3 of the 4 downloads here stopped after a few MB, every run.

use strict;
use warnings;

use Digest::MD5 qw(md5_hex);
use POSIX qw(_exit);
use Test::More;
use Time::HiRes qw(time sleep);
use Hive::Test qw(parse_response read_some);

my $t = Hive::Test->new;

# flood children still running if the test dies: stop them
my @FLOODS;
END { kill('TERM', @FLOODS) if @FLOODS; }

my $SIZE = 16 * 1024 * 1024;
my $md5 = $t->write_lines_file('html/big.bin', $SIZE);

# send_timeout short: a stalled download ends in 10 s, not 60
$t->write_config($t->config_prelude . <<'EOF');
worker_processes 1;

events {
    worker_connections 64;
}

http {
    access_log off;
    send_timeout 10s;
    server {
        listen 127.0.0.1:%%PORT_A%%;
        location / {
            root html;
        }
    }
}
EOF

$t->run;

for my $n (1 .. 3) {
    my ($w) = $t->wait_workers(1);
    my $s = start_download();
    my $flood = flood($w);
    my $got = read_some($s, $SIZE * 2, 60);
    stop_flood($flood);
    close($s);
    check_download($got, "USR1 flood, download $n");
}

# a graceful stop while the flood goes on: the worker finishes the
# download (QUIT arrives during a sendfile() too) and then exits
my ($w) = $t->wait_workers(1);
my $s = start_download();
my $got = read_some($s, 1024 * 1024, 5);
my $flood = flood($w);
my $off = $t->log_offset;
kill('QUIT', $t->master_pid);
$got .= read_some($s, $SIZE * 2, 60);
stop_flood($flood);
close($s);
check_download($got, 'USR1 flood and QUIT');
ok($t->wait_until(sub { !Hive::Test::alive($w) }, 10),
    'the worker exits once the download is done');
ok($t->wait_for_log(qr/\[notice\] $w#\d+: gracefully shutting down/, 1,
    $off), 'it stopped gracefully');

$t->check_error_log_clean;

done_testing();

###############################################################################

# Sends the request and returns the socket, to be read with read_some().
sub start_download {
    my $c = $t->connect(port => 'A') or die "connect: $!";
    $c->send("GET /big.bin HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\n\r\n") or die "send: $!";
    return $c->{sock};
}

# A child that sends USR1 (reopen the logs: harmless) to $pid every
# millisecond, for at most 60 s.
sub flood {
    my ($pid) = @_;
    my $child = fork() // die "fork: $!";

    if ($child == 0) {
        my $end = time() + 60;
        while (time() < $end && kill('USR1', $pid)) {
            sleep(0.001);
        }
        _exit(0);
    }
    push @FLOODS, $child;
    return $child;
}

sub stop_flood {
    my ($child) = @_;
    kill('TERM', $child);
    waitpid($child, 0);
    @FLOODS = grep { $_ != $child } @FLOODS;
}

sub check_download {
    my ($got, $name) = @_;
    my $r = parse_response($got);
    is(length($r->{body} // ''), $SIZE, "$name: complete")
        or diag(join("\n", grep { !/reopening logs/ }
            split /\n/, $t->error_log));
    ok(md5_hex($r->{body} // '') eq $md5, "$name: intact");
}
