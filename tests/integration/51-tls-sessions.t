#!/usr/bin/perl
#
# 51-tls-sessions.t - TLS session resumption (SPEC 7): the shared session
# cache serves every worker and survives a reload; ticket keys from
# ssl_session_ticket_key files let a second hive instance resume the
# sessions of the first (the first key encrypts, all decrypt).  The client
# is "openssl s_client -sess_out/-sess_in", which prints "Reused".

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time sleep);
use Hive::Test;

my $t = Hive::Test->new;
my $dir = $t->testdir;

$t->make_cert('cert');

sub random_bytes {
    my ($n) = @_;
    return join('', map { chr(int(rand(256))) } 1 .. $n);
}

$t->write_file('conf/ticket-new.key', random_bytes(80));
$t->write_file('conf/ticket-old.key', random_bytes(80));
$t->write_file('conf/ticket-short.key', random_bytes(48));

# GET /pid through s_client; returns (reused?, worker pid, raw output).
sub s_client {
    my ($port, @args) = @_;
    my $in = "$dir/s_client.in";
    $t->write_file('s_client.in',
        "GET /pid HTTP/1.0\r\nHost: localhost\r\n\r\n");
    my $cmd = join(' ', 'timeout', '10', 'openssl', 's_client', '-connect',
        "127.0.0.1:$port", '-ign_eof', @args, '<', $in, '2>&1');
    my $out = `$cmd`;
    my $reused = $out =~ /^Reused, TLSv1\.[23]/m ? 1 : 0;
    my ($pid) = $out =~ /Request handled by worker-(\d+)/;
    return ($reused, $pid, $out);
}

my $conf = <<'EOF';
    ssl_certificate cert.pem;
    ssl_certificate_key cert.key;
%%EXTRA%%

    server {
        listen 127.0.0.1:%%PORT_TLS%% ssl;

        location = /pid {
            echo_pid;
        }
    }
EOF

sub config {
    my ($obj, $extra) = @_;
    my $text = $conf;
    $text =~ s/%%EXTRA%%/$extra/;
    $obj->write_config($obj->minimal_config($text, workers => 2,
        access_log => 0));
}

# --- the shared cache: stateful sessions, tickets off ------------------------

config($t, "    ssl_session_cache shared:SSL:1m;\n"
    . "    ssl_session_tickets off;");
my $master = $t->run;
my @workers = $t->wait_workers(2);
is(scalar @workers, 2, 'two workers');

my $port = $t->port('TLS');
my $sess = "$dir/sess.pem";

for my $proto ('-tls1_3', '-tls1_2') {
    unlink($sess);
    my ($reused, $pid, $out) = s_client($port, $proto, '-sess_out', $sess);
    ok(!$reused && $pid, "$proto: a first full handshake")
        or diag($out);

    my (%pids, $ok);
    $ok = 0;
    for (1 .. 20) {
        my ($r, $p) = s_client($port, $proto, '-sess_in', $sess);
        $ok++ if $r;
        $pids{$p}++ if $p;
    }
    is($ok, 20, "$proto: 20 reconnections all resumed the session");
    cmp_ok(scalar keys %pids, '>=', 2,
        "$proto: resumed on more than one worker");
}

# --- across a reload ------------------------------------------------------

unlink($sess);
my ($reused) = s_client($port, '-sess_out', $sess);
ok(!$reused, 'a session before the reload');

my $off = $t->log_offset;
$t->signal('HUP');
my $deadline = time() + 10;
my %old = map { $_ => 1 } @workers;
my @new;
while (time() < $deadline) {
    @new = grep { !$old{$_} } $t->worker_pids;
    last if @new == 2 && !grep { Hive::Test::alive($_) } @workers;
    sleep(0.1);
}
is(scalar @new, 2, 'reload: two new workers');

my $pid;
($reused, $pid) = s_client($port, '-sess_in', $sess);
ok($reused, 'the session resumes after the reload (the zone is kept)');
ok($pid && !$old{$pid}, 'and a new worker resumed it');

# --- ticket keys shared by two instances ---------------------------------

my $keys_a = "    ssl_session_ticket_key $dir/conf/ticket-new.key;";
my $keys_b = "    ssl_session_ticket_key $dir/conf/ticket-other.key;\n"
    . "    ssl_session_ticket_key $dir/conf/ticket-new.key;";
$t->write_file('conf/ticket-other.key', random_bytes(80));

config($t, $keys_a);
$off = $t->log_offset;
$t->signal('HUP');
ok($t->wait_for_log(qr/\[notice\].*start worker process/, 5, $off),
    'reload with a ticket key');
sleep(0.5);

my $u = Hive::Test->new;
$u->write_file('conf/cert.pem', $t->read_file('conf/cert.pem'));
$u->write_file('conf/cert.key', $t->read_file('conf/cert.key'));
config($u, $keys_b);
$u->run;

for my $proto ('-tls1_3', '-tls1_2') {
    unlink($sess);
    ($reused) = s_client($port, $proto, '-sess_out', $sess);
    ok(!$reused, "$proto tickets: a session from the first instance");
    ($reused) = s_client($u->port('TLS'), $proto, '-sess_in', $sess);
    ok($reused, "$proto tickets: resumed by the second instance, whose "
        . 'second key it is');
}

# a third key file set without the shared key: a full handshake
unlink($sess);
s_client($u->port('TLS'), '-sess_out', $sess);
($reused) = s_client($port, '-sess_in', $sess);
ok(!$reused, 'a ticket of a key the first instance lacks: no resumption');

# --- a bad key file ------------------------------------------------------

config($u, "    ssl_session_ticket_key $dir/conf/ticket-short.key;");
my ($code, $out) = $u->run_cmd('-t', $u->std_args);
is($code, 1, 'a 48-byte ticket key file: -t fails');
like($out, qr/ticket-short\.key" must be exactly 80 bytes in \S+hive\.conf:\d+/,
    'a 48-byte ticket key file: the message names FILE:LINE');

# --- nothing to resume with: no tickets sent -------------------------------

# TLS 1.3 sends tickets after every handshake unless told not to; with
# neither a cache nor tickets they could only be thrown away
for my $case ([ "    ssl_session_tickets off;", 0, 'cache and tickets off' ],
    [ "    ssl_session_tickets on;", 1, 'tickets on' ],
    [ "    ssl_session_cache shared:SSL:1m;\n    ssl_session_tickets off;", 1,
        'the shared cache' ]) {
    my ($extra, $want, $name) = @$case;
    config($u, $extra);
    $u->stop;
    $u->run;
    my (undef, undef, $o) = s_client($u->port('TLS'), '-tls1_3');
    my $n = () = $o =~ /New Session Ticket arrived/g;
    if ($want) {
        cmp_ok($n, '>', 0, "TLSv1.3, $name: tickets are sent") or diag($o);
    } else {
        is($n, 0, "TLSv1.3, $name: no ticket is sent") or diag($o);
    }
    like($o, qr/Request handled by worker-\d+/, "TLSv1.3, $name: served");
}

$u->check_error_log_clean;
$t->check_error_log_clean;

done_testing;
