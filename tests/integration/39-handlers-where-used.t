#!/usr/bin/perl
#
# 39-handlers-where-used.t - "return", "try_files", "gzip" and
# "access_log" join the request's phases or filters only when some server
# or location uses them (hv_http_any_location()), so that a server that
# uses none of them pays nothing for them.  This checks the other half:
# set only in a nested location, or only at server level, each still
# works there, and nowhere else.

use strict;
use warnings;

use Test::More;
use IO::Uncompress::Gunzip qw(gunzip);
use Hive::Test qw(parse_response);

my $t = Hive::Test->new;

$t->write_file('html/a/b/page.txt', "page\n");
$t->write_file('html/a/b/fallback.txt', "fallback\n");
$t->write_file('html/text/big.html', 'hive ' x 2000);
$t->write_file('html/plain/big.html', 'hive ' x 2000);
$t->write_file('html/logged/x/f.txt', "logged\n");
$t->write_file('html/quiet.txt', "quiet\n");

$t->write_config($t->config_prelude . <<'EOF');
events {
}

http {
    include     mime.types;
    access_log  off;
    gzip        off;

    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  localhost;
        root         html;

        location /a/ {
            location /a/b/ {
                try_files  $uri /a/b/fallback.txt;
            }
            location /a/r/ {
                location /a/r/deep {
                    return  202 "deep return\n";
                }
            }
        }

        location /text/ {
            location /text/ {
                gzip             on;
                gzip_min_length  1;
                gzip_types       text/html;
                gzip_http_version  1.0;
            }
        }

        location /logged/ {
            location /logged/x/ {
                access_log  logs/nested.log;
            }
        }
    }

    server {
        listen       127.0.0.1:%%PORT_B%%;
        server_name  localhost;
        return       203 "server return\n";
    }
}
EOF

$t->run;

sub get {
    my ($path, %o) = @_;
    return parse_response($t->http_get($path, %o));
}

my $r = get('/a/b/missing.txt');
is($r->{status}, 200, 'try_files in a nested location only: applies');
is($r->{body}, "fallback\n", '... the fallback is served');
is(get('/a/b/page.txt')->{body}, "page\n", '... an existing file is itself');
is(get('/a/missing.txt')->{status}, 404, '... and not in the parent');

$r = get('/a/r/deep');
is($r->{status}, 202, 'return in a location two levels down: applies');
is($r->{body}, "deep return\n", '... with its text');
is(get('/a/r/other')->{status}, 404, '... and not beside it');

$r = get('/x', port => 'B');
is($r->{status}, 203, 'return at server level in another server: applies');
is($r->{body}, "server return\n", '... with its text');

$r = get('/text/big.html', headers => ['Accept-Encoding: gzip']);
is($r->{headers}{'content-encoding'}, 'gzip',
    'gzip on in a nested location only: compressed there');
my $plain;
gunzip(\$r->{body} => \$plain);
is($plain, 'hive ' x 2000, '... and the body decompresses to the file');
$r = get('/plain/big.html', headers => ['Accept-Encoding: gzip']);
ok(!defined $r->{headers}{'content-encoding'}, '... not elsewhere');

is(get('/logged/x/f.txt')->{status}, 200, 'a request in a logging location');
is(get('/quiet.txt')->{status}, 200, 'a request where the log is off');
my $log = '';
my $deadline = time() + 3;
while (time() < $deadline) {
    $log = $t->read_file('logs/nested.log') // '';
    last if $log =~ m{/logged/x/f\.txt};
    select(undef, undef, undef, 0.05);
}
like($log, qr{"GET /logged/x/f\.txt HTTP/1\.0" 200},
    'access_log in a nested location only: that request is logged');
unlike($log, qr{quiet}, '... the other is not');
ok(!-e $t->testdir . '/logs/access.log', '... and no default log is written');

$t->check_error_log_clean;

done_testing;
