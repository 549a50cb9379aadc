#!/usr/bin/perl
#
# 87-privileges.t - "user" (issue 8, privileges; needs root): the workers
# run as the configured user and group while the master stays root; a
# root-only 0600 private key still serves TLS (keys are loaded by the
# master before the workers drop privileges); the logs the master opened
# stay writable by the workers, also after a USR1 reopen of rotated
# files; and "user" in a master that is not root is ignored with a
# warning, as nginx does.  Without "user" hive keeps the invoking user
# (README): that case is 20-signals.t's.

use strict;
use warnings;

use Test::More;
use POSIX ();
use IO::Socket::SSL;
use Time::HiRes qw(time sleep);
use Hive::Test qw(parse_response);

plan(skip_all => 'needs root: the test switches users') if $> != 0;
my @nobody = getpwnam('nobody');
plan(skip_all => 'no user "nobody" on this system') unless @nobody;
my ($uid, $gid) = @nobody[2, 3];
# a group other than nobody's own, so that the second argument shows
my ($group) = grep { defined getgrnam($_) && getgrnam($_) != $gid }
    qw(daemon nogroup);

for my $user ('nobody', defined $group ? "nobody $group" : ()) {
    my $want_gid = $user eq 'nobody' ? $gid : scalar getgrnam($group);
    my $t = Hive::Test->new;
    my $dir = $t->testdir;

    # the workers must reach their files: the temporary directory is 0700
    chmod(0755, $dir, "$dir/logs", "$dir/html", "$dir/conf");
    my ($cert, $key) = $t->make_cert('priv', cn => 'priv');
    chown(0, 0, $key);
    chmod(0600, $key);

    $t->write_config($t->config_prelude . <<"EOF");
user $user;
worker_processes 1;

events {
    worker_connections 64;
}

http {
    access_log logs/access.log;

    server {
        listen 127.0.0.1:%%PORT_A%%;
        listen 127.0.0.1:%%PORT_TLS%% ssl;
        ssl_certificate $cert;
        ssl_certificate_key $key;
        root html;
        location = /pid {
            echo_pid;
        }
    }
}
EOF
    my $master = $t->run;
    my ($worker) = $t->wait_workers(1);

    is_deeply([ids($master)], [0, 0], "$user: the master stays root");
    is_deeply([ids($worker)], [$uid, $want_gid],
        "$user: the worker runs as uid $uid, gid $want_gid");

    my $r = parse_response($t->http_get('/pid'));
    is($r->{body}, "Request handled by worker-$worker\n",
        "$user: plain HTTP is served");
    is(tls_get($t, '/pid'), "Request handled by worker-$worker\n",
        "$user: TLS is served with a root-only 0600 key");

    # the worker writes the files the master opened
    parse_response($t->http_get('/missing-1'));
    like($t->read_file('logs/access.log') // '', qr{GET /missing-1 },
        "$user: the worker writes the access log");
    ok($t->wait_for_log(qr/\[error\] $worker#.*missing-1/, 5),
        "$user: and the error log");

    # rotate: the master opens new files, the worker must write them too
    rename("$dir/logs/access.log", "$dir/logs/access.log.1");
    rename("$dir/logs/error.log", "$dir/logs/error.log.1");
    $t->signal('USR1');
    my $deadline = time() + 5;
    while (time() < $deadline) {
        last if -e "$dir/logs/access.log" && -e "$dir/logs/error.log";
        sleep(0.05);
    }
    sleep(0.5);    # the worker reopens after the master
    parse_response($t->http_get('/missing-2'));
    like($t->read_file('logs/access.log') // '', qr{GET /missing-2 },
        "$user: after USR1 the worker writes the new access log");
    ok($t->wait_for_log(qr/\[error\] $worker#.*missing-2/, 5),
        "$user: and the new error log");
    is_deeply([$t->worker_pids], [$worker], "$user: the same worker");

    $t->check_error_log_clean(files => ['logs/error.log.1']);
}

# --- "user" in a master that is not root: ignored, with a warning ------------

my $t = Hive::Test->new;
my $dir = $t->testdir;
chmod(0755, $dir, "$dir/conf");
$t->write_config("user root;\nerror_log stderr;\nevents { }\n");
chmod(0644, "$dir/conf/hive.conf", "$dir/conf/mime.types");

my $out = "$dir/as-nobody.out";
my $pid = fork() // die "fork: $!";
if ($pid == 0) {
    open(STDOUT, '>', $out) and open(STDERR, '>&', \*STDOUT) or POSIX::_exit(1);
    POSIX::setgid($gid);
    POSIX::setuid($uid);
    POSIX::_exit(1) if $> != $uid;
    exec($t->bin, '-t', '-p', "$dir/", '-c', "$dir/conf/hive.conf",
        '-e', 'stderr') or POSIX::_exit(127);
}
waitpid($pid, 0);
my $text = $t->read_file('as-nobody.out') // '';
is($? >> 8, 0, 'not root: "user" does not fail the configuration');
my $warn = 'the "user" directive makes sense only if the master process'
    . ' runs with super-user privileges, ignored';
like($text, qr/\[warn\] .*\Q$warn\E/,
    'not root: a warning says it is ignored');

$t->check_error_log_clean;

done_testing();

###############################################################################

# (effective uid, effective gid) of $pid, from /proc/PID/status.
sub ids {
    my ($pid) = @_;
    open(my $fh, '<', "/proc/$pid/status") or return ();
    my ($u, $g);
    while (<$fh>) {
        $u = (split)[2] if /^Uid:/;
        $g = (split)[2] if /^Gid:/;
    }
    close($fh);
    return ($u, $g);
}


sub tls_get {
    my ($t, $path) = @_;
    my $s = IO::Socket::SSL->new(PeerAddr => '127.0.0.1',
        PeerPort => $t->port('TLS'), SSL_verify_mode => SSL_VERIFY_NONE,
        Timeout => 5) or return "TLS failed: $SSL_ERROR";
    print $s "GET $path HTTP/1.0\r\nHost: localhost\r\n\r\n";
    my $res = '';
    my $deadline = time() + 5;
    while (time() < $deadline) {
        my $n = sysread($s, $res, 65536, length $res);
        last unless $n;
    }
    close($s);
    return parse_response($res)->{body};
}
