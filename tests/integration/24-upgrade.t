#!/usr/bin/perl
#
# 24-upgrade.t - live binary upgrade (issue 9, SPEC 4): USR2 renames the
# pid file to hive.pid.oldbin and starts the binary again on the inherited
# sockets; both generations serve; WINCH stops the old workers; QUIT ends
# the old master, which leaves hive.pid to the new one.  Under a client
# load, not one request fails, with each accept strategy.  Rollback: HUP
# to the old master after WINCH brings its workers back, and when the new
# master quits the old one takes hive.pid back.  An exec that fails, or a
# new binary that cannot start, leaves the old master serving with its
# pid file.

use strict;
use warnings;

use File::Copy qw(copy);
use File::Temp qw(tempdir);
use Test::More;
use Time::HiRes qw(time sleep);
use Hive::Test qw(parse_response);

my $t = Hive::Test->new;
my $dir = $t->testdir;

# every process this file starts, for the END block: the new masters are
# not children of anything Hive::Test knows once the old master is gone
my %ours;

END {
    local $?;
    for my $pid (keys %ours) {
        my $c = cmdline($pid);
        kill('KILL', $pid) if $c =~ /^hive: /;
    }
}

for my $strategy (qw(mutex exclusive reuseport handoff)) {
    upgrade_under_load($strategy, $strategy eq 'mutex' ? 6 : 4);
}

rollback();
$t->check_error_log_clean;

# a copy of the binary, started by its own path, for the failures
my $bindir = tempdir('hive-bin-XXXXXXXX', TMPDIR => 1, CLEANUP => 1);
my $copy = "$bindir/hive";
copy($t->bin, $copy) or die "copy: $!";
chmod(0755, $copy) or die "chmod: $!";
$t = Hive::Test->new(bin => $copy);
$dir = $t->testdir;

failed_upgrades();
$t->check_error_log_clean;

done_testing();

###############################################################################

sub config {
    my ($strategy, %o) = @_;
    my $listen = $o{broken} ? 'listen_broken' : 'listen';
    return $t->config_prelude . <<"EOF";
worker_processes 2;

events {
    worker_connections 256;
    accept_strategy $strategy;
}

http {
    keepalive_timeout 30s;

    server {
        $listen 127.0.0.1:%%PORT_A%%;
        location = /pid {
            echo_pid;
        }
    }
}
EOF
}


# USR2, WINCH and QUIT to the old master under load: zero failures.
sub upgrade_under_load {
    my ($strategy, $secs) = @_;

    $t->write_config(config($strategy));
    my $old = $t->run;
    $ours{$old} = 1;
    my @old_workers = workers_of($old, 2);
    is(scalar @old_workers, 2, "$strategy: two workers");

    my $load = $t->load_start(clients => 4, duration => $secs,
        keepalive => 20);
    sleep(0.5);

    kill('USR2', $old);
    my $new = wait_new_master($old);
    ok($new, "$strategy: USR2 starts a new master ($old -> "
        . ($new // 'none') . ')') or return abandon($load);
    is($t->read_pid_file('logs/hive.pid.oldbin'), $old,
        "$strategy: the old pid is in hive.pid.oldbin");
    is(parent_of($new), $old, "$strategy: the new master is the old"
        . " master's child");
    like(cmdline($new), qr/^hive: master process \Q${\ $t->bin}\E -p /,
        "$strategy: it runs the same binary with the same arguments");

    my @new_workers = workers_of($new, 2);
    is(scalar @new_workers, 2, "$strategy: the new master has two"
        . ' workers');
    ok(!(grep { !Hive::Test::alive($_) } @old_workers),
        "$strategy: the old workers still run");
    sleep($secs / 6);    # both generations take the load

    kill('WINCH', $old);
    ok($t->wait_until(sub { !workers_of($old, 0) }, 10),
        "$strategy: WINCH stops the old workers");
    ok(Hive::Test::alive($old), "$strategy: the old master stays");

    my %by = served_by(20);
    my %new_w = map { $_ => 1 } @new_workers;
    is(scalar(grep { !$new_w{$_} } keys %by), 0,
        "$strategy: after WINCH only the new workers answer")
        or diag(explain(\%by));

    my $res = $t->load_stop($load, wait => 1);
    is($res->{lost_children}, 0, "$strategy: every load client reported");
    cmp_ok($res->{ok}, '>', 50, "$strategy: the load got answers"
        . " ($res->{ok} ok)");
    is($res->{failed}, 0, "$strategy: no request failed during the"
        . ' upgrade') or diag($t->load_report($res));
    my %old_w = map { $_ => 1 } @old_workers;
    ok((grep { $old_w{$_} } keys %{$res->{pids}})
        && (grep { $new_w{$_} } keys %{$res->{pids}}),
        "$strategy: the load met both generations");

    kill('QUIT', $old);
    ok($t->wait_until(sub { !Hive::Test::alive($old) }, 10),
        "$strategy: QUIT ends the old master");
    is($t->read_pid_file, $new, "$strategy: hive.pid holds the new"
        . ' master');
    ok(!-e "$dir/logs/hive.pid.oldbin", "$strategy: hive.pid.oldbin is"
        . ' gone');
    %by = served_by(10);
    is(scalar(grep { !$new_w{$_} } keys %by), 0,
        "$strategy: the new workers serve alone") or diag(explain(\%by));

    stop_master($new, $strategy);
    $t->stop;
}


# USR2, WINCH, HUP to the old master, QUIT to the new: back to the old.
sub rollback {
    $t->write_config(config('mutex'));
    my $old = $t->run;
    $ours{$old} = 1;
    workers_of($old, 2);

    my $load = $t->load_start(clients => 4, duration => 7, keepalive => 20);
    sleep(0.5);

    kill('USR2', $old);
    my $new = wait_new_master($old);
    ok($new, "rollback: USR2 starts a new master") or return abandon($load);
    my @new_workers = workers_of($new, 2);

    # one upgrade at a time, whichever master is asked
    my $off = $t->log_offset;
    kill('USR2', $old);
    my $again = qr/new binary process $new still runs: USR2 ignored/;
    ok($t->wait_for_log(qr/\[notice\] $old#\d+: $again/, 5, $off),
        'a second USR2 to the old master is ignored');
    kill('USR2', $new);
    my $parent = qr/the old master process $old still runs/;
    ok($t->wait_for_log(qr/\[notice\] $new#\d+: $parent/, 5, $off),
        'USR2 to the new master is ignored while the old one runs');
    is($t->read_pid_file('logs/hive.pid.oldbin'), $old,
        'hive.pid.oldbin still holds the old master');
    is($t->read_pid_file, $new, 'hive.pid still holds the new one');

    kill('WINCH', $old);
    ok($t->wait_until(sub { !workers_of($old, 0) }, 10),
        'rollback: WINCH stops the old workers');

    $off = $t->log_offset;
    kill('HUP', $old);
    my @back = workers_of($old, 2);
    is(scalar @back, 2, 'rollback: HUP to the old master starts two'
        . ' workers again');
    ok(!$t->wait_for_log(qr/\[notice\] $old#\d+: reconfiguring/, 0.5,
        $off), 'rollback: without reading the configuration again');

    kill('QUIT', $new);
    ok($t->wait_until(sub { !Hive::Test::alive($new) }, 10),
        'rollback: QUIT ends the new master');
    ok($t->wait_until(sub { ($t->read_pid_file() // 0) == $old }, 5),
        'rollback: hive.pid holds the old master again');
    ok(!-e "$dir/logs/hive.pid.oldbin", 'rollback: hive.pid.oldbin is gone');
    ok(!(grep { Hive::Test::alive($_) } @new_workers),
        'rollback: the new workers are gone');

    my %back = map { $_ => 1 } @back;
    my %by = served_by(10);
    is(scalar(grep { !$back{$_} } keys %by), 0,
        'rollback: the old master serves alone')
        or diag(explain({ by => \%by, workers => \@back }));

    my $res = $t->load_stop($load, wait => 1);
    is($res->{failed}, 0, 'rollback: no request failed')
        or diag($t->load_report($res));

    # the old master's own exit removes hive.pid, as before the upgrade
    stop_master($old, 'rollback');
    $t->stop;
}


# The exec fails (argv[0] gone), or the new binary exits at start-up.
sub failed_upgrades {
    $t->write_config(config('mutex'));
    my $old = $t->run;
    $ours{$old} = 1;
    workers_of($old, 2);

    # argv[0] is what USR2 executes: a binary that is gone fails the exec
    rename($copy, "$copy.moved") or die "rename: $!";
    my $off = $t->log_offset;
    kill('USR2', $old);
    my $why = qr/upgrade not started: execve\(\) "\Q$copy\E" failed \(2: /;
    ok($t->wait_for_log(qr/\[error\] $old#\d+: $why/, 5, $off),
        'exec fails: logged with the path');
    is($t->read_pid_file, $old, 'exec fails: hive.pid is renamed back');
    ok(!-e "$dir/logs/hive.pid.oldbin", 'exec fails: no hive.pid.oldbin');
    my @w = workers_of($old, 2);
    is(scalar @w, 2, 'exec fails: the workers still run');
    my %by = served_by(4);
    ok(%by, 'exec fails: still serving');

    # the binary is back, but the new one cannot start: a bad file
    rename("$copy.moved", $copy) or die "rename: $!";
    $t->write_config(config('mutex', broken => 1));
    $off = $t->log_offset;
    kill('USR2', $old);
    ok($t->wait_for_log(
        qr/\[error\] $old#\d+: new binary process \d+ exited with code 1$/,
        10, $off), 'bad file: the new binary exits with code 1');
    ok($t->wait_for_log(
        qr/\[emerg\] \d+#\d+: unknown directive "listen_broken"/, 1, $off),
        'bad file: it says why');
    is($t->read_pid_file, $old, 'bad file: hive.pid is the old'
        . ' master\'s again');
    ok(!-e "$dir/logs/hive.pid.oldbin", 'bad file: no hive.pid.oldbin');
    %by = served_by(4);
    ok(%by, 'bad file: the old master still serves');

    # and a good one upgrades from the copied path
    $t->write_config(config('mutex'));
    kill('USR2', $old);
    my $new = wait_new_master($old);
    ok($new, 'copied binary: USR2 starts a new master');
    like(cmdline($new // 0), qr/^hive: master process \Q$copy\E /,
        'copied binary: from the path argv[0] named');
    kill('QUIT', $old);
    ok($t->wait_until(sub { !Hive::Test::alive($old) }, 10),
        'copied binary: QUIT ends the old master');
    stop_master($new, 'copied binary') if $new;
    $t->stop;
}


# ---------------------------------------------------------------- helpers

sub cmdline {
    my ($pid) = @_;
    return $t->cmdline($pid) // '';
}

sub parent_of {
    my ($pid) = @_;
    my $stat = $t->read_file("/proc/$pid/stat") // return 0;
    return $stat =~ /\) \S (\d+)/ ? $1 : 0;
}

# Live worker children of a master (the new master, a child too, is not
# one); waits up to 10 s for $n of them unless $n is 0.  In scalar
# context, how many.
sub workers_of {
    my ($master, $n) = @_;
    my $deadline = time() + 10;
    my @w;

    while (1) {
        @w = ();
        opendir(my $dh, '/proc') or return ();
        for my $pid (grep { /^\d+$/ } readdir($dh)) {
            next unless parent_of($pid) == $master;
            next unless cmdline($pid) =~ /^hive: worker process/;
            push @w, $pid if Hive::Test::alive($pid);
        }
        closedir($dh);
        $ours{$_} = 1 for @w;
        @w = sort { $a <=> $b } @w;
        return @w if $n == 0 || @w == $n || time() > $deadline;
        sleep(0.05);
    }
}


# The new master once it has written hive.pid and listens (its workers
# are online); undef after 10 s.
sub wait_new_master {
    my ($old) = @_;
    my $new;
    $t->wait_until(sub {
        $new = $t->read_pid_file;
        return $new && $new != $old && Hive::Test::alive($new);
    }, 10) or return undef;
    $ours{$new} = 1;
    return $new;
}

# Serving pid => count over $n fresh connections.
sub served_by {
    my ($n) = @_;
    my %by;
    for (1 .. $n) {
        my $r = parse_response($t->http_get('/pid', timeout => 3));
        $by{$1}++ if ($r->{body} // '') =~ /^Request handled by worker-(\d+)$/;
        $by{failed}++ if ($r->{status} // 0) != 200;
    }
    return %by;
}

sub stop_master {
    my ($pid, $what) = @_;
    my @w = workers_of($pid, 0);
    kill('QUIT', $pid);
    ok($t->wait_until(sub { !Hive::Test::alive($pid) }, 10),
        "$what: QUIT ends the master in hive.pid");
    ok($t->wait_until(sub { !(grep { Hive::Test::alive($_) } @w) }, 5),
        "$what: and its workers");
    ok(!-e "$dir/logs/hive.pid", "$what: which removes hive.pid");
}

sub abandon {
    my ($load) = @_;
    $t->load_stop($load);
    $t->stop;
    return;
}
