#!/usr/bin/perl
#
# 21-reload.t - SIGHUP (SPEC 4): same master, all new workers, the new
# configuration in effect; a download in flight completes on its old
# worker; a broken file changes nothing; a changed listen port moves.

use strict;
use warnings;

use Test::More;
use IO::Select;
use Socket qw(PF_INET SOCK_STREAM SOL_SOCKET SO_RCVBUF pack_sockaddr_in
    inet_aton);
use Time::HiRes qw(time sleep);
use Hive::Test qw(parse_response read_some);

my $BIG = 32 * 1024 * 1024;     # far more than the socket buffers hold

my $t = Hive::Test->new;
my $dir = $t->testdir;
my $conf = "$dir/conf/hive.conf";

$t->write_file('html/big.bin', 'x' x $BIG);

my $server = <<'EOF';
worker_processes 2;

events {
    worker_connections 128;
}

http {
    include mime.types;

    server {
        listen 127.0.0.1:%%PORT_A%%;

        location = /pid {
            echo_pid;
        }

        location / {
            root html;
        }
%%EXTRA%%
    }
}
EOF

config('');

my $master = $t->run;
my @old = $t->wait_workers(2);
is(scalar @old, 2, 'two workers');

my $r = parse_response($t->http_get('/new'));
is($r->{status}, 404, 'before the reload /new does not exist');

# a download that outlasts the reload: small receive buffer, read slowly
my $dl = slow_get($t->port('A'), '/big.bin');
my $head = read_some($dl, 65536, 5);
like($head, qr{^HTTP/1\.[01] 200 }, 'a large download starts');

# --- a good reload --------------------------------------------------------

config(<<'EOF');
        location = /new {
            return 200 "x";
        }
EOF

my $off = $t->log_offset;
kill('HUP', $master);
ok($t->wait_for_log(qr/\[notice\] $master#\d+: reconfiguring/, 5, $off),
    'HUP: reconfiguring');

my @new = wait_workers_not_in(\@old, 2, 10);
is(scalar @new, 2, 'HUP: two new workers');
is($t->read_pid_file, $master, 'HUP: the master pid is the same');
ok(Hive::Test::alive($master), 'HUP: and the master is alive');

# an old worker may take a connection until it has handled its QUIT; once
# it has, only the new configuration answers
ok($t->wait_until(
        sub { (parse_response($t->http_get('/new'))->{status} // 0) == 200 },
        10),
    'HUP: the new configuration is in effect');
my @bodies = map { parse_response($t->http_get('/new'))->{body} // '' } 1 .. 5;
is(join(',', @bodies), 'x,x,x,x,x', 'HUP: /new answers as configured');

$r = parse_response($t->http_get('/pid'));
my ($pid) = ($r->{body} // '') =~ /worker-(\d+)/;
ok($pid && grep({ $_ == $pid } @new), 'HUP: a new worker answers /pid');

# the idle old worker exits, the busy one finishes its download first
ok(wait_until(sub { alive_count(\@old) <= 1 }, 10),
    'HUP: the idle old worker exits');
is(alive_count(\@old), 1, 'HUP: the old worker with the download stays');

my $rest = read_all($dl, 30);
my $res = parse_response($head . $rest);
is($res->{status}, 200, 'the download completes with 200');
is(length($res->{body} // ''), $BIG, 'every byte of it arrives');
ok(!$res->{incomplete}, 'and the response is not cut short');
close($dl);

ok(wait_until(sub { alive_count(\@old) == 0 }, 10),
    'then the last old worker exits');

# --- a broken file changes nothing --------------------------------------

@old = $t->wait_workers(2);

config(<<'EOF');
        location = /new {
            return 200 "x";
        }
        bogus_reload_directive;
EOF
my $bad_line = line_of($t->read_file('conf/hive.conf'),
    'bogus_reload_directive');

$off = $t->log_offset;
kill('HUP', $master);
my $line = $t->wait_for_log(qr/\[emerg\]/, 5, $off) // '';
like($line,
    qr/\[emerg\] $master#\d+: unknown directive "bogus_reload_directive" in \Q$conf\E:$bad_line$/,
    'bad file: the error with FILE:LINE is in the error log');
ok($t->wait_for_log(qr/reload failed/, 5, $off), 'bad file: reload fails');
sleep(0.5);

is_deeply([$t->worker_pids], [sort { $a <=> $b } @old],
    'bad file: the same workers keep serving');
$r = parse_response($t->http_get('/new'));
is($r->{status}, 200, 'bad file: the running configuration is kept');
$r = parse_response($t->http_get('/pid'));
($pid) = ($r->{body} // '') =~ /worker-(\d+)/;
ok($pid && grep({ $_ == $pid } @old), 'bad file: an old worker answers');

# --- a changed listen port ------------------------------------------------

my $port_a = $t->port('A');
my $port_b = $t->port('B');
my $moved = $t->read_file('conf/hive.conf');
$moved =~ s/^\s*bogus_reload_directive;\n//m;
$moved =~ s/listen 127\.0\.0\.1:$port_a;/listen 127.0.0.1:$port_b;/;
$t->write_file('conf/hive.conf', $moved);

kill('HUP', $master);
@new = wait_workers_not_in(\@old, 2, 10);
is(scalar @new, 2, 'new port: new workers');
$r = parse_response($t->http_get('/pid', port => 'B'));
is($r->{status}, 200, 'new port: the new port answers');
ok(!defined $t->http_get('/pid', port => 'A', timeout => 1),
    'new port: the old port is closed');

# --- reloads in a row ------------------------------------------------------

@old = @new;
for (1 .. 3) {
    kill('HUP', $master);
    sleep(0.2);
}
@new = wait_workers_not_in(\@old, 2, 15);
ok(wait_until(sub { scalar($t->worker_pids) == 2 }, 15),
    'three reloads in a row end with two workers');
$r = parse_response($t->http_get('/pid', port => 'B'));
is($r->{status}, 200, 'and they serve');

$t->check_error_log_clean;

done_testing();

###############################################################################

# Writes conf/hive.conf with $extra inside the server block.
sub config {
    my ($extra) = @_;
    my $text = $server;
    $text =~ s/%%EXTRA%%\n/$extra/;
    $t->write_config($t->config_prelude . $text);
}

sub alive_count {
    my ($pids) = @_;
    return scalar grep { Hive::Test::alive($_) } @$pids;
}

sub wait_until {
    my ($cond, $timeout) = @_;
    my $deadline = time() + $timeout;

    until ($cond->()) {
        return 0 if time() > $deadline;
        sleep(0.05);
    }
    return 1;
}

# Waits for $n workers that are not in @$old (old ones may still run).
sub wait_workers_not_in {
    my ($old, $n, $timeout) = @_;
    my %old = map { $_ => 1 } @$old;
    my @w;

    wait_until(sub {
        @w = grep { !$old{$_} } $t->worker_pids;
        return @w == $n;
    }, $timeout);
    return @w;
}

sub slow_get {
    my ($port, $path) = @_;
    socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
    setsockopt($s, SOL_SOCKET, SO_RCVBUF, 16384) or die "SO_RCVBUF: $!";
    connect($s, pack_sockaddr_in($port, inet_aton('127.0.0.1')))
        or die "connect: $!";
    binmode($s);
    my $req = "GET $path HTTP/1.0\r\nHost: localhost\r\n\r\n";
    syswrite($s, $req) == length($req) or die "write: $!";
    return $s;
}

# Reads at least $n bytes (or until EOF or the timeout).
sub read_all {
    my ($s, $timeout) = @_;
    return read_some($s, 1 << 40, $timeout);
}

sub line_of {
    my ($text, $word) = @_;
    my $n = 0;
    for (split /\n/, $text // '') {
        $n++;
        return $n if /\Q$word\E/;
    }
    return 0;
}
