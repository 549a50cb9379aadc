#!/usr/bin/perl
#
# 86-config-gone.t - SIGHUP when the configuration cannot be read (issue 8,
# faults): the file deleted, replaced by a directory (unreadable even to
# root), or naming an include that vanished.  Each time the error is
# logged with the path, the running configuration stays and the same
# workers keep serving; a readable file then reloads as usual.

use strict;
use warnings;

use Test::More;
use File::Copy qw(copy);
use Time::HiRes qw(time sleep);
use Hive::Test qw(parse_response);

my $t = Hive::Test->new;
my $dir = $t->testdir;
my $conf = "$dir/conf/hive.conf";

$t->write_file('conf/extra.conf', "location = /extra { return 200 \"x\"; }\n");
$t->write_config($t->config_prelude . <<'EOF');
worker_processes 2;

events {
    worker_connections 64;
}

http {
    server {
        listen 127.0.0.1:%%PORT_A%%;
        location = /pid {
            echo_pid;
        }
        include extra.conf;
    }
}
EOF
copy($conf, "$conf.good") or die "copy: $!";

my $master = $t->run;
my @workers = $t->wait_workers(2);
is(scalar @workers, 2, 'two workers');

my @cases = (
    [ 'the file deleted', sub { unlink($conf) or die "unlink: $!" },
        qr{open\(\) "\Q$conf\E" failed \(2: No such file} ],
    [ 'the file replaced by a directory', sub {
            unlink($conf) or die "unlink: $!";
            mkdir($conf) or die "mkdir: $!";
        }, qr{"\Q$conf\E" is not a regular file} ],
    [ 'an include that vanished', sub {
            unlink("$dir/conf/extra.conf") or die "unlink: $!";
        }, qr{\Q$dir\E/conf/extra\.conf.*No such file} ],
);

for my $case (@cases) {
    my ($name, $break, $re) = @$case;
    $break->();

    my $off = $t->log_offset;
    $t->signal('HUP');
    my $line = $t->wait_for_log($re, 5, $off);
    ok($line, "$name: the error is logged with the path")
        or diag(substr($t->error_log, $off));
    ok($t->wait_for_log(qr/reload failed, the running configuration is kept/,
        5, $off), "$name: the master says it keeps the running one");
    sleep(0.5);    # room for a (wrong) new generation to show up

    is_deeply([$t->worker_pids], \@workers, "$name: the same workers run");
    my %seen;
    for (1 .. 10) {
        my $r = parse_response($t->http_get('/pid'));
        $seen{$1}++ if ($r->{body} // '') =~ /worker-(\d+)$/;
    }
    is(scalar(grep { my $p = $_; grep { $_ == $p } @workers } keys %seen),
        scalar(keys %seen), "$name: the old workers answer");
    cmp_ok(scalar(keys %seen), '>=', 1, "$name: requests are served");
    is(parse_response($t->http_get('/extra'))->{body}, 'x',
        "$name: the running configuration stays");

    # put it back for the next case
    rmdir($conf) if -d $conf;
    copy("$conf.good", $conf) or die "copy: $!";
    $t->write_file('conf/extra.conf',
        "location = /extra { return 200 \"x\"; }\n");
}

# --- readable again: SIGHUP reloads ----------------------------------------

my $off = $t->log_offset;
$t->signal('HUP');
ok($t->wait_for_log(qr/start worker process/, 5, $off),
    'a readable file reloads again');
my $deadline = time() + 10;
my @new;
while (time() < $deadline) {
    @new = $t->worker_pids;
    last if @new == 2 && !grep { my $p = $_; grep { $_ == $p } @workers }
        @new;
    sleep(0.1);
}
is(scalar(grep { my $p = $_; !grep { $_ == $p } @workers } @new), 2,
    'with two new workers');
is($t->read_pid_file, $master, 'the master is the same throughout');

$t->check_error_log_clean;

done_testing();
