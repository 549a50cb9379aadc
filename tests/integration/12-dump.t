#!/usr/bin/perl
#
# 12-dump.t - "hive -T": test the configuration, then print every file
# it read, includes (globs too) expanded, each once and headed by
# "# configuration file PATH:", as nginx -T does.

use strict;
use warnings;

use Test::More;
use IPC::Open3;
use Symbol qw(gensym);
use Hive::Test;

my $t = Hive::Test->new;
my $dir = $t->testdir;

$t->write_file('conf/conf.d/b.conf', "server {\n    listen 127.0.0.1:" . $t->port("B") . ";\n"
    . "    location / { return 204; }\n}\n");
$t->write_file('conf/conf.d/a.conf', "# file a\nserver_tokens off;\n");
$t->write_file('conf/conf.d/skip.txt', "not a conf file\n");
$t->write_file('conf/ev.conf', "worker_connections 64;\n");

my $main = $t->config_prelude . <<'EOF';
worker_processes 1;
events {
    include ev.conf;
}
http {
    include conf.d/*.conf;
    server {
        listen 127.0.0.1:%%PORT_A%%;
        include conf.d/a.conf;
    }
}
EOF
$t->write_config($main);
my $main_text = $t->read_file('conf/hive.conf');

# stdout and stderr apart: the dump is on stdout, the verdict on stderr
sub run_split {
    my @args = @_;
    my $err = gensym;
    my $pid = open3(my $in, my $out, $err, $t->bin, @args);
    close($in);
    my $stdout = do { local $/; <$out> } // '';
    my $stderr = do { local $/; <$err> } // '';
    waitpid($pid, 0);
    return ($? >> 8, $stdout, $stderr);
}

my ($code, $out, $err) = run_split($t->std_args, '-T');
is($code, 0, '-T exits 0') or diag($err);
like($err, qr/syntax is ok.*\n.*test is successful/, '-T: verdict on stderr');

my @heads = $out =~ /^# configuration file (.*):$/mg;
is_deeply(\@heads, [
    "$dir/conf/hive.conf", "$dir/conf/ev.conf", "$dir/conf/conf.d/a.conf",
    "$dir/conf/conf.d/b.conf" ],
    'every file once, in the order read, the glob sorted, *.txt left out');

my %body;
for my $part (split /^(?=# configuration file )/m, $out) {
    my ($name, $text) = $part =~ /\A# configuration file (.*):\n(.*)\z/s
        or next;
    $body{$name} = $text;
}
is($body{"$dir/conf/hive.conf"}, "$main_text\n", 'the main file verbatim');
is($body{"$dir/conf/conf.d/a.conf"}, "# file a\nserver_tokens off;\n\n",
    'an included file verbatim, comments kept');
like($body{"$dir/conf/conf.d/b.conf"} // '', qr/^\s+location \/ \{ return 204; \}$/m,
    'a glob match verbatim');

($code, $out, $err) = run_split($t->std_args, '-Tq');
is($code, 0, '-Tq exits 0');
is($err, '', '-Tq: no verdict');
like($out, qr/\A# configuration file \Q$dir\E\/conf\/hive\.conf:\n/,
    '-Tq: the dump still printed');

# a broken included file: no dump, the error names it
$t->write_file('conf/conf.d/b.conf', "server {\n    listen;\n}\n");
($code, $out, $err) = run_split($t->std_args, '-T');
is($code, 1, '-T on a bad configuration exits 1');
is($out, '', '-T on a bad configuration dumps nothing');
like($err, qr/\[emerg\] .* in \Q$dir\E\/conf\/conf\.d\/b\.conf:2$/m,
    '-T: the error names the included file and line');

$t->check_error_log_clean;
done_testing();
