#!/usr/bin/perl
#
# 34-variables.t - the variable layer seen from a client: variables in
# "return" (text and URL), "add_header", "root"/"alias" and "log_format";
# numbered and named regex captures of locations and server names; header
# values that cannot be broken by client bytes; control bytes escaped in
# the access log; unknown variables refused at configuration time.

use strict;
use warnings;

use Test::More;
use Hive::Test qw(parse_response);

my $t = Hive::Test->new;

$t->write_file('html/index.html', "index\n");
$t->write_file('html/dabc/file.txt', "alias abc\n");
$t->write_file('html/h/vars.test/h/page.txt', "host root\n");

$t->write_config($t->config_prelude . <<'EOF');
worker_processes 1;

events {
    worker_connections 64;
}

http {
    log_format  vars  '$remote_addr|$request_method|$uri|$args|$arg_b|'
                      '$status|$body_bytes_sent|$http_x_test|$pipe|'
                      '$connection_requests|$server_port|$scheme|$host|'
                      '$sent_http_x_added|${request_length}x';
    access_log  logs/access.log;
    access_log  logs/vars.log vars;

    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  vars.test;

        location = /echo {
            return 200 "uri=$uri args=$args a=$arg_a host=$host m=$request_method s=$scheme p=$server_port n=$server_name ua=$http_user_agent\n";
        }

        location = /hdr {
            add_header X-Added "u=$uri;a=$arg_a";
            add_header X-Empty "$arg_none";
            return 200 "hdr\n";
        }

        location ~ ^/cap/(\w+)/(?<rest>.*)$ {
            return 200 "1=$1 rest=$rest all=$0\n";
        }

        location ~ ^/go/([\s\S]*)$ {
            return 302 /to/$1;
        }

        location ~ ^/al/(\w+)/(.*)$ {
            alias html/d$1/$2;
        }

        location /h/ {
            root html/h/$host;
        }
    }

    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  ~^(?<sub>[a-z]+)\.(\w+)\.regex\.test$;

        location / {
            return 200 "sub=$sub 2=$2\n";
        }

        location ~ ^/loc/(\w+)$ {
            return 200 "sub=$sub 1=$1\n";
        }
    }
}
EOF

$t->run;

sub get {
    my ($uri, $host, %o) = @_;
    $host //= 'vars.test';
    my $extra = $o{headers} // '';
    return parse_response($t->http("GET $uri HTTP/1.1\r\nHost: $host\r\n"
        . "Connection: close\r\n$extra\r\n"));
}

# --- return with variables ------------------------------------------------------

my $r = get('/echo?a=1&b=two', 'VARS.test:' . $t->port('A'),
    headers => "User-Agent: tester/1\r\n");
is($r->{status}, 200, 'return with variables');
is($r->{body}, "uri=/echo args=a=1&b=two a=1 host=vars.test m=GET s=http "
    . "p=" . $t->port('A') . " n=vars.test ua=tester/1\n",
    'uri, args, arg_a, host (lower case, no port), method, scheme, '
    . 'server_port, server_name, http_user_agent');

$r = get('/echo?A=up');
like($r->{body}, qr/ a=up /, '$arg_NAME matches the name in any case');

$r = get('/echo');
like($r->{body}, qr/args= a= /, 'absent args are empty');

# --- add_header -----------------------------------------------------------------

$r = get('/hdr?a=x%20y');
is($r->{headers}{'x-added'}, 'u=/hdr;a=x%20y', 'add_header with variables');
ok(!exists $r->{headers}{'x-empty'}, 'an empty value sends no field');

# --- captures -------------------------------------------------------------------

$r = get('/cap/abc/d/e.txt');
is($r->{body}, "1=abc rest=d/e.txt all=/cap/abc/d/e.txt\n",
    'numbered, named and whole-match captures of a location regex');

$r = get('/go/some/where');
is($r->{status}, 302, 'return 302 with a capture');
is($r->{headers}{location},
    'http://vars.test:' . $t->port('A') . '/to/some/where',
    '... Location built from the capture');

$r = get('/go/a%0d%0aX-Evil:%201');
is($r->{status}, 302, 'a capture with CR LF');
is($r->{headers}{location},
    'http://vars.test:' . $t->port('A') . '/to/a%0D%0AX-Evil: 1',
    '... is percent-encoded in Location');
ok(!exists $r->{headers}{'x-evil'}, '... and starts no header field');

$r = get('/al/abc/file.txt');
is($r->{status}, 200, 'alias with captures');
is($r->{body}, "alias abc\n", '... serves the captured path');

$r = get('/al/zzz/file.txt');
is($r->{status}, 404, 'alias with captures: a missing directory is 404');

$r = get('/h/page.txt');
is($r->{body}, "host root\n", 'root with $host');

$r = get('/', 'abc.def.regex.test');
is($r->{body}, "sub=abc 2=def\n", 'captures of a server_name regex');

$r = get('/loc/xyz', 'abc.def.regex.test');
is($r->{body}, "sub=abc 1=xyz\n",
    'a location regex replaces $1 but keeps the server\'s named capture');

# --- log_format -----------------------------------------------------------------

$t->http("GET /hdr?a=q&b=bee HTTP/1.1\r\nHost: vars.test\r\n"
    . "X-Test: one\"two\\three\xc3\xa9\r\nConnection: close\r\n\r\n");

my @pipe = $t->http("GET /hdr HTTP/1.1\r\nHost: vars.test\r\n\r\n"
    . "GET /echo HTTP/1.1\r\nHost: vars.test\r\nConnection: close\r\n\r\n");

# the log line is written after the response: wait for the last one
my $line;
for (1 .. 50) {
    last if ($t->read_file('logs/vars.log') // '') =~ m{\|/echo\|-\|.*\|p\|};
    select(undef, undef, undef, 0.1);
}
my @lines = split /\n/, ($t->read_file('logs/vars.log') // '');
($line) = grep { m{\|/hdr\|a=q&b=bee\|} } @lines;
ok(defined $line, 'the vars line was written');
my $port = $t->port('A');
my $want = join('', qr{^127\.0\.0\.1\|GET\|/hdr\|a=q&b=bee\|bee\|200\|4\|},
    qr{one\\x22two\\x5Cthree\\xC3\\xA9\|\.\|1\|$port\|http\|},
    qr{vars\.test\|u=/hdr;a=q\|\d+x$});
like($line // '', qr/$want/,
    'log_format: every variable, escaping of quote, backslash, high bytes');

my @piped = grep { m{\|/echo\|-\|} && m{\|p\|2\|} } @lines;
is(scalar @piped, 1, '$pipe is "p" for a pipelined request, second on '
    . 'its connection');

my ($noargs) = grep { m{\|/cap/abc/d/e\.txt\|} } @lines;
like($noargs // '', qr{\|/cap/abc/d/e\.txt\|-\|-\|200\|},
    'empty values are logged as "-"');

# --- control bytes in the error log ----------------------------------------------

$r = get('/nofile%0d%0a2026/01/01%2000:00:00%20[warn]%20forged');
is($r->{status}, 404, 'a decoded CR LF in a missing file name');
ok($t->wait_for_log(qr{open\(\) ".*/nofile\?\?2026/01/01 00:00:00 \[warn\] forged" failed}),
    '... is logged as "??" on the same line');

# --- configuration errors -------------------------------------------------------

my $bad = $t->read_file('conf/hive.conf');
$bad =~ s{return 200 "hdr\\n";}{return 200 "\$no_such_var\\n";};
$t->write_file('conf/bad.conf', $bad);
my ($code, $out) = $t->run_cmd('-t', '-p', $t->testdir . '/', '-c',
    $t->testdir . '/conf/bad.conf');
isnt($code, 0, 'an unknown variable fails the configuration test');
like($out, qr/unknown "no_such_var" variable in .*bad\.conf:\d+/,
    '... naming the variable, the file and the line');

$t->check_error_log_clean;

done_testing;
