#!/usr/bin/perl
#
# 81-worker-kill.t - kill -9 of a worker under load (issue 8, faults): the
# master logs it and replaces it; only the connections the dead worker held
# fail, each as a reset or EOF on a connection already open (never a
# refused connect, a timeout or a wrong answer); connections opened after
# the kill all succeed; and the accept mutex is not left locked: both the
# replacement and the surviving worker accept fresh connections.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time sleep);
use Hive::Test qw(parse_response);

my $t = Hive::Test->new;
$t->write_config($t->config_prelude . <<'EOF');
worker_processes 2;

events {
    worker_connections 256;
    accept_mutex on;
}

http {
    keepalive_timeout 30s;

    server {
        listen 127.0.0.1:%%PORT_A%%;
        location = /pid {
            echo_pid;
        }
    }
}
EOF

my $master = $t->run;
my @start = $t->wait_workers(2);
is(scalar @start, 2, 'two workers');

# the kernel may still accept into the dead worker's hands for the time the
# SIGKILL takes to land; a connection opened later than this must succeed
my $MARGIN = 0.3;

# no retry: every request the kill cost is counted
my $load = $t->load_start(clients => 4, duration => 9, keepalive => 20,
    retry => 0);
sleep(1.5);

my (@kills, %dead);
my $off = $t->log_offset;

# round 1 kills one of the first pair, round 2 the other: whichever held the
# accept mutex at that moment, the lock must come back
for my $round (1 .. 2) {
    my @before = $t->wait_workers(2);
    my ($victim) = grep { $_ == $start[$round - 1] } @before;
    ok($victim, "round $round: worker $start[$round - 1] still runs")
        or last;

    kill('KILL', $victim);
    push @kills, { pid => $victim, time => time() };
    $dead{$victim} = 1;

    ok($t->wait_for_log(
        qr/worker process $victim exited on signal 9$/, 5, $off),
        "round $round: the master logs 'worker process $victim exited on"
        . " signal 9'");

    my @after = wait_replaced($t, \%dead, 2, 5);
    is(scalar @after, 2, "round $round: a replacement is forked");
    $kills[-1]{replaced} = time();
    $kills[-1]{workers} = [@after];
    my %old = map { $_ => 1 } @before;
    my ($fresh) = grep { !$old{$_} } @after;
    ok($fresh && $t->wait_for_log(qr/start worker process $fresh$/, 5, $off),
        "round $round: the replacement's start is logged");
    sleep(2.5);
}

my $res = $t->load_stop($load, wait => 1);
is($res->{lost_children}, 0, 'every load client reported');
cmp_ok($res->{ok}, '>', 100, "the load got answers ($res->{ok} ok)");
is($master, $t->read_pid_file, 'the master is the same');

# --- only the dead workers' connections failed ---------------------------

my @wrong;
for my $f (@{$res->{failures}}) {
    my $why;
    if ($f->{kind} ne 'reset') {
        $why = "a $f->{kind}, not a reset on an open connection";
    } elsif (defined $f->{pid} && !$dead{$f->{pid}}) {
        $why = "its connection was served by $f->{pid}, which lives";
    } elsif (!defined $f->{pid}
        && !grep { $f->{opened} < $_->{time} + $MARGIN } @kills)
    {
        $why = 'a fresh connection opened after the kill';
    } elsif ($f->{time} < $kills[0]{time} - 0.05) {
        $why = 'before any kill';
    }
    push @wrong, sprintf('%.3f %s (conn of %s opened %.3f): %s', $f->{time},
        $f->{error}, $f->{pid} // '-', $f->{opened}, $why) if $why;
}
ok(!@wrong, 'every failure is a reset/EOF on a connection the killed worker'
    . ' held (' . scalar(@{$res->{failures}}) . ' failures)')
    or diag(join("\n", @wrong) . "\n" . $t->load_report($res));
is($res->{refused}, 0, 'no connect was refused');
is($res->{timeout} + $res->{bad}, 0, 'no timeout and no wrong answer');

# --- the mutex was not left locked: both workers accept fresh connections -

for my $round (1 .. @kills) {
    my $k = $kills[$round - 1];
    my $until = $round < @kills ? $kills[$round]{time} : 1e20;
    my %fresh;
    for my $e (@{$res->{events}}) {
        next unless $e->{kind} eq 'ok' && $e->{reused} == 0;
        next unless $e->{opened} > $k->{replaced} && $e->{time} < $until;
        $fresh{$e->{pid}}++;
    }
    for my $w (@{$k->{workers}}) {
        ok($fresh{$w}, "after kill $round, worker $w accepts fresh"
            . ' connections (' . ($fresh{$w} // 0) . ')');
    }
}

# and once the load is gone, plain requests still reach both workers
my @now = $t->wait_workers(2);
my %seen;
my $deadline = time() + 10;
while (keys %seen < 2 && time() < $deadline) {
    my $r = parse_response($t->http_get('/pid', timeout => 3));
    $seen{$1}++ if ($r->{body} // '') =~ /^Request handled by worker-(\d+)$/;
}
is_deeply([sort { $a <=> $b } keys %seen], \@now,
    'fresh connections reach both current workers');

$t->check_error_log_clean(
    allow => qr/worker process \d+ exited on signal 9$/);

done_testing();

###############################################################################

# Waits for $n workers, none of them in %$dead; returns them (or ()).
sub wait_replaced {
    my ($t, $dead, $n, $timeout) = @_;
    my $deadline = time() + $timeout;

    while (time() < $deadline) {
        my @w = $t->worker_pids;
        return @w if @w == $n && !grep { $dead->{$_} } @w;
        sleep(0.05);
    }
    return ();
}
