#!/usr/bin/perl
#
# 00-cli.t - the command line (SPEC 3): -v/-V/-h, -t/-T/-q, -g, -p, -c,
# -e, -s without a server, and the start-up failures tools rely on (an
# error in the -e log, exit 1, no pid file).

use strict;
use warnings;

use Test::More;
use IO::Socket::INET;
use Hive::Test qw(parse_response);

my $t = Hive::Test->new;
my $dir = $t->testdir;
my $conf = "$dir/conf/hive.conf";

my $body = <<'EOF';
worker_processes 1;

events {
    worker_connections 64;
}

http {
    server {
        listen 127.0.0.1:%%PORT_A%%;
        location = /pid {
            echo_pid;
        }
    }
}
EOF

$t->write_config($t->config_prelude . $body);
my $port = $t->port('A');

# --- version and help ---------------------------------------------------

my ($code, $out) = $t->run_cmd('-v');
is($code, 0, '-v exits 0');
like($out, qr{\Ahive version: hive/\d+\.\d+\.\d+\n\z}, '-v prints one line');

($code, $out) = $t->run_cmd('-V');
is($code, 0, '-V exits 0');
like($out, qr{^hive version: hive/\d+\.\d+\.\d+$}m, '-V: version');
like($out, qr{^built by \S.*$}m, '-V: compiler');
like($out, qr{^built with OpenSSL \d}m, '-V: OpenSSL version');
like($out, qr{^TLS SNI support enabled$}m, '-V: SNI line');
my ($args) = $out =~ /^configure arguments:(.*)$/m;
ok(defined $args, '-V: configure arguments line');
$args //= '';
like($args, qr/ --with-http_ssl_module\b/, '-V: TLS is built in');
for my $m (qw(proxy fastcgi uwsgi scgi grpc memcached ssi)) {
    like($args, qr/ --without-http_${m}_module\b/, "-V: no $m module");
}

($code, $out) = $t->run_cmd('-h');
is($code, 0, '-h exits 0');
like($out, qr/^Usage: hive \[-\?hvVtTq\] \[-s signal\]/m, '-h: usage');
like($out, qr/^\s+-g directives\s+:/m, '-h: lists -g');

($code, $out) = $t->run_cmd('-?');
like($out, qr/^Usage: hive/m, '-? is -h');

($code, $out) = $t->run_cmd('-x');
is($code, 1, 'unknown option exits 1');
like($out, qr/^hive: invalid option: "x"$/m, 'and names it');

($code, $out) = $t->run_cmd('-c');
is($code, 1, '-c without a file exits 1');
like($out, qr/^hive: option "-c" requires file name$/m, 'and says why');

($code, $out) = $t->run_cmd($t->std_args, '-s', 'restart');
is($code, 1, '-s with an unknown signal exits 1');
like($out, qr/^hive: invalid option: "-s restart"$/m, 'and names it');

# --- -t ---------------------------------------------------------------------

# the port is busy, as it is when -t checks a file for a running server
my $busy = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
    Listen => 5, ReuseAddr => 1) or die "bind $port: $!";

($code, $out) = $t->run_cmd($t->std_args, '-t');
is($code, 0, '-t on a good file exits 0, the port being busy');
like($out, qr/^hive: the configuration file \Q$conf\E syntax is ok$/m,
    '-t: syntax is ok');
like($out, qr/^hive: configuration file \Q$conf\E test is successful$/m,
    '-t: test is successful');
ok(!-e "$dir/logs/hive.pid", '-t does not write the pid file');

close($busy);

($code, $out) = $t->run_cmd($t->std_args, '-tq');
is($code, 0, '-tq exits 0');
is($out, '', '-q: nothing printed on success');

# -c relative to the prefix, as nginx resolves it
($code, $out) = $t->run_cmd('-p', "$dir/", '-c', 'conf/hive.conf', '-t');
is($code, 0, '-p with a relative -c') or diag($out);

($code, $out) = $t->run_cmd('-p', "$dir/nowhere/", '-c', 'conf/hive.conf',
    '-e', 'stderr', '-t');
is($code, 1, 'relative -c under another -p is not found');
like($out, qr{open\(\) "\Q$dir\E/nowhere/conf/hive\.conf" failed \(2: }m,
    'the error names the resolved path');

# relative paths in the file resolve against -p
$t->write_file('alt/logs/.keep', '');
$t->write_file('alt/conf/alt.conf', $t->subst(<<'EOF' . $body));
daemon on;
pid logs/alt.pid;
error_log logs/alt-error.log info;
EOF
($code, $out) = $t->run_cmd('-p', "$dir/alt", '-c', 'conf/alt.conf', '-e',
    'stderr', '-t');
is($code, 0, '-p without a trailing slash') or diag($out);
ok(-f "$dir/alt/logs/alt-error.log", 'error_log resolved against -p');

# an error names FILE:LINE on stderr and in the -e log, exit 1
my $bad = $t->subst($t->config_prelude . $body);
$bad =~ s/(worker_connections 64;)/$1\n    bogus_directive on;/;
my $bad_line = line_of($bad, 'bogus_directive');
$t->write_file('conf/bad.conf', $bad);

my $early = $t->log_offset;
($code, $out) = $t->run_cmd('-p', "$dir/", '-c', "$dir/conf/bad.conf", '-e',
    "$dir/logs/error.log", '-t');
is($code, 1, '-t on a bad file exits 1');
like($out, qr/^hive: \[emerg\] unknown directive "bogus_directive" in \Q$dir\E\/conf\/bad\.conf:$bad_line$/m,
    '-t: [emerg] MESSAGE in FILE:LINE on stderr');
like($out, qr/^hive: configuration file \Q$dir\E\/conf\/bad\.conf test failed$/m,
    '-t: test failed');
like(substr($t->error_log, $early),
    qr/\[emerg\] \d+#\d+: unknown directive "bogus_directive" in \S+bad\.conf:$bad_line$/m,
    '-t: the error is in the -e log too');

# an error inside an included file names that file
$t->write_file('conf/inc.conf', "worker_processes 1;\n\nnot_a_directive;\n");
my $with_inc = $t->subst($t->config_prelude . $body);
$with_inc =~ s/^worker_processes 1;$/include inc.conf;/m;
$t->write_file('conf/main-inc.conf', $with_inc);
($code, $out) = $t->run_cmd('-p', "$dir/", '-c', "$dir/conf/main-inc.conf",
    '-e', 'stderr', '-t');
is($code, 1, '-t: error in an include exits 1');
like($out, qr/unknown directive "not_a_directive" in \Q$dir\E\/conf\/inc\.conf:3$/m,
    '-t: the include\'s FILE:LINE');

# a misspelled directive gets the nearest known name after FILE:LINE
my $typo = $t->subst($t->config_prelude . $body);
$typo =~ s/^worker_processes 1;$/wroker_processes 1;/m;
my $typo_line = line_of($typo, 'wroker_processes');
$t->write_file('conf/typo.conf', $typo);
($code, $out) = $t->run_cmd('-p', "$dir/", '-c', "$dir/conf/typo.conf",
    '-e', 'stderr', '-t');
is($code, 1, '-t: a misspelled directive exits 1');
like($out, qr/\[emerg\] \S+ unknown directive "wroker_processes" in \Q$dir\E\/conf\/typo\.conf:$typo_line, did you mean "worker_processes"\?$/m,
    '-t: did you mean "worker_processes"?');

# --- -T ---------------------------------------------------------------------

$t->write_file('conf/inc.conf', "worker_processes 1;\n");
($code, $out) = $t->run_cmd('-p', "$dir/", '-c', "$dir/conf/main-inc.conf",
    '-e', 'stderr', '-T');
is($code, 0, '-T exits 0') or diag($out);
like($out, qr/^hive: configuration file \S+main-inc\.conf test is successful$/m,
    '-T tests first');
like($out, qr/^# configuration file \Q$dir\E\/conf\/main-inc\.conf:\n/m,
    '-T: header of the main file');
like($out, qr/^# configuration file \Q$dir\E\/conf\/inc\.conf:\nworker_processes 1;\n/m,
    '-T: the included file, expanded');
like($out, qr/^\s+location = \/pid \{$/m, '-T: the main file\'s text');

# --- -g -----------------------------------------------------------------------

my $no_wp = $t->subst($t->config_prelude . $body);
$no_wp =~ s/^worker_processes 1;\n//m;
$t->write_file('conf/no-wp.conf', $no_wp);

($code, $out) = $t->run_cmd('-p', "$dir/", '-c', "$dir/conf/no-wp.conf",
    '-e', 'stderr', '-g', 'bogus_g_directive;', '-t');
is($code, 1, '-g: an unknown directive fails -t');
like($out, qr/unknown directive "bogus_g_directive" in command line/,
    '-g: the error says "command line"');

($code, $out) = $t->run_cmd($t->std_args, '-g', 'worker_processes 2;', '-t');
is($code, 1, '-g: a directive repeated in the file is a duplicate');
like($out, qr/"worker_processes" directive is duplicate/, 'and says so');

# -g takes effect: three workers although the file names none
$t->write_config($no_wp);
$t->run('-g', 'worker_processes 3;');
my @w = $t->wait_workers(3);
is(scalar @w, 3, '-g "worker_processes 3;" starts three workers');
my $r = parse_response($t->http_get('/pid'));
is($r->{status}, 200, 'the server answers');
$t->stop;
ok(!-e "$dir/logs/hive.pid", 'the pid file is removed on exit');

# --- -s without a server --------------------------------------------------

($code, $out) = $t->run_cmd($t->std_args, '-s', 'reload');
is($code, 1, '-s reload without a server exits 1');
like($out, qr/^hive: \[error\] open\(\) "\Q$dir\E\/logs\/hive\.pid" failed \(2: No such file or directory\)$/m,
    '-s: nginx\'s message for a missing pid file');

$t->write_file('logs/hive.pid', "garbage\n");
($code, $out) = $t->run_cmd($t->std_args, '-s', 'stop');
is($code, 1, '-s with an invalid pid file exits 1');
like($out, qr/invalid PID number "garbage" in "\Q$dir\E\/logs\/hive\.pid"/,
    '-s: invalid PID number');
unlink("$dir/logs/hive.pid");

# --- start-up failures --------------------------------------------------------

$early = $t->log_offset;
($code, $out) = $t->run_cmd('-p', "$dir/", '-c', "$dir/conf/bad.conf", '-e',
    "$dir/logs/early.log");
is($code, 1, 'a bad file stops the start with exit 1');
like($t->read_file('logs/early.log') // '',
    qr/\[emerg\] \d+#\d+: unknown directive "bogus_directive" in \S+:$bad_line$/m,
    'the error goes to the -e file');
ok(!-e "$dir/logs/hive.pid", 'no pid file after a failed start');

($code, $out) = $t->run_cmd('-p', "$dir/", '-c', "$dir/conf/bad.conf", '-e',
    'stderr');
like($out, qr/\[emerg\] \d+#\d+: unknown directive "bogus_directive"/,
    '-e stderr: the error on stderr');

# a busy port: nginx's bind() message, exit 1, no pid file
$busy = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
    Listen => 5, ReuseAddr => 1) or die "bind $port: $!";
$t->write_config($t->config_prelude . $body);
($code, $out) = $t->run_cmd($t->std_args);
is($code, 1, 'a busy port stops the start with exit 1');
like($t->error_log,
    qr/\[emerg\] \d+#\d+: bind\(\) to 127\.0\.0\.1:$port failed \(98: Address already in use\)$/m,
    'bind() to ADDR failed (98: Address already in use)');
ok(!-e "$dir/logs/hive.pid", 'no pid file when a socket cannot be bound');
close($busy);

$t->check_error_log_clean(files => ['logs/early.log']);

done_testing();

###############################################################################

sub line_of {
    my ($text, $word) = @_;
    my $n = 0;
    for (split /\n/, $text) {
        $n++;
        return $n if /\Q$word\E/;
    }
    return 0;
}
