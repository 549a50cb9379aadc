#!/usr/bin/perl
#
# 50-tls.t - the ssl module (SPEC 7): "listen ... ssl", TLS 1.3 by
# default and 1.2 when asked, a protocol that is off refused, SNI picks
# the server block and its certificate (RSA and ECDSA pairs in one
# server), ALPN, plain HTTP on the TLS port, a 10 MB file byte-exact,
# keep-alive over TLS, and a bad key refused by -t and by a reload
# while the workers keep serving.

use strict;
use warnings;

use Test::More;
use IO::Select;
use IO::Socket::INET;
use IO::Socket::SSL;
use Socket qw(IPPROTO_TCP TCP_CORK);
use Time::HiRes qw(time sleep);
use Hive::Test qw(parse_response openssl);

my $t = Hive::Test->new;
my $dir = $t->testdir;

# --- certificates, made here with the openssl command ----------------------

$t->make_cert('a-ec', cn => 'a.example');
$t->make_cert('a-rsa', cn => 'a-rsa.example', type => 'rsa');
$t->make_cert('b', cn => 'b.example');
$t->make_cert('other', cn => 'other.example');
$t->write_file('conf/garbage.key', "not a key\n");
openssl('genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt',
    'group:ffdhe2048', '-out', "$dir/conf/dh.pem");

my $body = 'hello over TLS';
$t->write_file('html/index.html', $body);
my $big = join('', map { pack('N', $_ * 2654435761 % 4294967296) }
    1 .. 10 * 1024 * 1024 / 4);
$t->write_file('html/big.bin', $big);

my $conf = <<'EOF';
worker_processes 2;

events {
    worker_connections 128;
}

http {
    include mime.types;
    access_log off;

    server {
        listen 127.0.0.1:%%PORT_TLS%% ssl;
        listen 127.0.0.1:%%PORT_PLAIN%%;
        server_name a.example;
        client_header_timeout 2s;

        ssl_certificate a-ec.pem;
        ssl_certificate_key a-ec.key;
        ssl_certificate a-rsa.pem;
        ssl_certificate_key %%AKEY%%;
%%EXTRA%%

        location / {
            root html;
        }

        location = /vars {
            return 200 "$ssl_protocol|$ssl_cipher|$ssl_server_name|$ssl_session_reused|$ssl_alpn_protocol\n";
        }
    }

    server {
        listen 127.0.0.1:%%PORT_TLS%% ssl;
        server_name b.example;
        ssl_certificate b.pem;
        ssl_certificate_key b.key;
        ssl_ciphers ECDHE+AESGCM;
        ssl_prefer_server_ciphers on;
        ssl_ecdh_curve X25519:prime256v1;
        ssl_dhparam dh.pem;
        ssl_conf_command Options KTLS;

        location / {
            return 200 "server b\n";
        }
    }

    server {
        listen 127.0.0.1:%%PORT_TLS13%% ssl;
        ssl_protocols TLSv1.3;
        ssl_certificate b.pem;
        ssl_certificate_key b.key;
    }
}
EOF

sub config {
    my ($akey, $extra) = @_;
    my $text = $conf;
    $text =~ s/%%AKEY%%/$akey/;
    $extra //= '';
    $text =~ s/%%EXTRA%%\n/$extra/;
    $t->write_config($t->config_prelude . $text);
}

# The line of the configuration that names the key, for the messages.
sub key_line {
    my ($key) = @_;
    my @lines = split /\n/, $t->read_file('conf/hive.conf');
    my ($n) = grep { $lines[$_ - 1] =~ /ssl_certificate_key \Q$key\E;/ }
        1 .. @lines;
    return $n;
}

# --- a TLS client ----------------------------------------------------------

# Connects, sends $req, reads to EOF; returns (raw response, client).
sub tls_request {
    my (%o) = @_;
    my $s = IO::Socket::SSL->new(
        PeerAddr => '127.0.0.1',
        PeerPort => $t->port($o{port} // 'TLS'),
        SSL_verify_mode => SSL_VERIFY_NONE,
        SSL_hostname => $o{sni} // '',
        Timeout => 5,
        %{$o{ssl} // {}},
    ) or return (undef, undef, $SSL_ERROR);
    my $info = {
        cn => $s->peer_certificate('cn'),
        version => $s->get_sslversion,
        alpn => $s->alpn_selected,
    };
    return (undef, $info) unless defined $o{req};
    print $s $o{req};
    my $res = '';
    my $deadline = time + 10;
    while (time < $deadline) {
        my $n = sysread($s, $res, 262144, length $res);
        last unless $n;
    }
    close($s);
    return ($res, $info);
}

sub get {
    my ($path, %o) = @_;
    my $host = $o{host} // $o{sni} // 'a.example';
    return tls_request(%o,
        req => "GET $path HTTP/1.1\r\nHost: $host\r\n"
            . "Connection: close\r\n\r\n");
}

config('a-rsa.key');
$t->run;

# --- handshake, protocol, ALPN ---------------------------------------------

my ($res, $info) = get('/index.html', sni => 'a.example',
    ssl => { SSL_alpn_protocols => ['h2', 'http/1.1'] });
my $r = parse_response($res // '');
is($r->{status}, 200, 'GET over TLS: 200');
is($r->{body}, $body, 'GET over TLS: the body');
is($info->{version}, 'TLSv1_3', 'TLS 1.3 by default');
is($info->{alpn}, 'http/1.1', 'ALPN selects http/1.1 (h2 not offered)');

(undef, $info) = tls_request(sni => 'a.example',
    ssl => { SSL_version => 'TLSv1_2' });
is($info && $info->{version}, 'TLSv1_2', 'TLS 1.2 when the client asks');

my ($none, $none_info, $err) = tls_request(port => 'TLS13',
    ssl => { SSL_version => 'TLSv1_2' });
ok(!$none_info, 'ssl_protocols TLSv1.3: a TLS 1.2 client is refused');
(undef, $info) = tls_request(port => 'TLS13');
is($info && $info->{version}, 'TLSv1_3', 'ssl_protocols TLSv1.3: 1.3 works');

($res) = get('/vars', sni => 'a.example',
    ssl => { SSL_alpn_protocols => ['http/1.1'] });
like($res // '',
    qr/\r\n\r\nTLSv1\.3\|TLS_\w+\|a\.example\|\.\|http\/1\.1\n\z/,
    '$ssl_protocol, $ssl_cipher, $ssl_server_name, $ssl_session_reused, '
    . '$ssl_alpn_protocol');
$r = parse_response($t->http_get('/vars', port => 'PLAIN') // '');
is($r->{body}, "||||\n", 'the TLS variables are empty without TLS');

# --- SNI and the certificate pairs -----------------------------------------

(undef, $info) = tls_request(sni => 'a.example');
is($info->{cn}, 'a.example', 'SNI a.example: the ECDSA certificate');
(undef, $info) = tls_request(sni => 'B.Example');
is($info->{cn}, 'b.example', 'SNI b.example (any case): its certificate');
(undef, $info) = tls_request(sni => 'b.example', ssl => {
    SSL_version => 'TLSv1_2',
    SSL_cipher_list => 'ECDHE-ECDSA-CHACHA20-POLY1305',
});
ok(!$info, 'SNI b.example: its ssl_ciphers apply (CHACHA20 refused)');
(undef, $info) = tls_request();
is($info->{cn}, 'a.example', 'no SNI: the default server\'s certificate');
(undef, $info) = tls_request(sni => 'unknown.example');
is($info->{cn}, 'a.example', 'unknown SNI: the default server');
(undef, $info) = tls_request(sni => 'a.example', ssl => {
    SSL_version => 'TLSv1_2', SSL_cipher_list => 'ECDHE-RSA-AES128-GCM-SHA256',
});
is($info && $info->{cn}, 'a-rsa.example',
    'an RSA-only client gets the RSA certificate of the same server');

($res) = get('/', sni => 'b.example');
like($res // '', qr/\r\n\r\nserver b\n\z/, 'SNI b.example: server b answers');

# --- content ----------------------------------------------------------------

($res) = get('/big.bin', sni => 'a.example');
$r = parse_response($res // '');
is($r->{status}, 200, '10 MB over TLS: 200');
ok(defined $r->{body} && $r->{body} eq $big, '10 MB over TLS: byte-exact');

my $two = "GET /index.html HTTP/1.1\r\nHost: a.example\r\n\r\n"
    . "GET /index.html HTTP/1.1\r\nHost: a.example\r\n"
    . "Connection: close\r\n\r\n";
($res) = tls_request(sni => 'a.example', req => $two);
my @n = ($res // '') =~ /HTTP\/1\.1 200 OK/g;
is(scalar @n, 2, 'two pipelined keep-alive requests over one TLS connection');

# hive stops reading when a short read() emptied the socket and OpenSSL
# holds nothing (modules/ssl/ssl.c): what comes later must still be read.
# One connection, requests one at a time, one cut across two records with
# a pause, a 1 MB body in 64 KB records and a request after it.
my $ka = IO::Socket::SSL->new(PeerAddr => '127.0.0.1',
    PeerPort => $t->port('TLS'), SSL_verify_mode => SSL_VERIFY_NONE,
    SSL_hostname => 'a.example', Timeout => 5);
my $kc = $ka && bless { sock => $ka, buf => '' }, 'Hive::Test::Conn';
my $one = "GET /index.html HTTP/1.1\r\nHost: a.example\r\n\r\n";
my @got;
for my $i (1 .. 3) {
    $kc && $kc->send($one);
    my $x = $kc && $kc->read_response(timeout => 5);
    push @got, $x && $x->{status};
}
is(join(',', map { $_ // 'none' } @got), '200,200,200',
    'TLS keep-alive: three requests one after another');
# two records in one TCP segment (corked): one read() brings both, and
# the second must not wait inside OpenSSL
if ($ka) {
    setsockopt($ka, IPPROTO_TCP, TCP_CORK, 1);
    $kc->send($one);
    $kc->send($one);
    setsockopt($ka, IPPROTO_TCP, TCP_CORK, 0);
}
@got = map { my $x = $kc && $kc->read_response(timeout => 5); $x && $x->{status} }
    1 .. 2;
is(join(',', map { $_ // 'none' } @got), '200,200',
    'TLS: two requests in two records that arrive together');
$kc && $kc->send(substr($one, 0, 20));
sleep(0.3);
$kc && $kc->send(substr($one, 20));
$r = $kc && $kc->read_response(timeout => 5);
is($r && $r->{status}, 200, 'TLS: a request cut across two records');
my $mb = 'x' x (1024 * 1024);
$kc && $kc->send("POST /vars HTTP/1.1\r\nHost: a.example\r\n"
    . "Content-Length: " . length($mb) . "\r\n\r\n");
for (my $off = 0; $kc && $off < length $mb; $off += 65536) {
    $kc->send(substr($mb, $off, 65536));
}
$r = $kc && $kc->read_response(timeout => 10);
is($r && $r->{status}, 200, 'TLS: a 1 MB request body is read');
$kc && $kc->send($one);
$r = $kc && $kc->read_response(timeout => 5);
is($r && $r->{body}, $body, 'TLS: and the next request after it');
$kc->close if $kc;

# --- plain HTTP on the TLS port --------------------------------------------

$r = parse_response($t->http_get('/index.html', port => 'TLS') // '');
is($r->{status}, 400, 'plain HTTP on the TLS port: 400');
like($r->{body} // '', qr/The plain HTTP request was sent to HTTPS port/,
    'plain HTTP on the TLS port: a clear page');
$r = parse_response($t->http_get('/index.html', port => 'PLAIN') // '');
is($r->{status}, 200, 'the plain port of the same server still serves');

# --- renegotiation, handshake timeout ---------------------------------------

$t->write_file('reneg.in', "R\n");
my $tls_port = $t->port('TLS');
my $reneg_cmd = "sleep 1 | cat $dir/reneg.in - | timeout 10 openssl "
    . "s_client -tls1_2 -connect 127.0.0.1:$tls_port 2>&1";
my $reneg = `$reneg_cmd`;
like($reneg, qr/RENEGOTIATING.*no renegotiation/s,
    'a client\'s renegotiation is refused') or diag($reneg);

my $slow = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
    PeerPort => $t->port('TLS'), Timeout => 5);
syswrite($slow, "\x16\x03\x01");    # the start of a ClientHello, no more
my $start = time();
my $got = '';
my $sel = IO::Select->new($slow);
while (time() - $start < 10 && $sel->can_read(10)) {
    last unless sysread($slow, $got, 1024, length $got);
}
my $took = time() - $start;
ok($took >= 1 && $took < 6,
    "a stalled handshake is closed after client_header_timeout (${took}s)");
close($slow);

# --- bad keys: -t and reload ------------------------------------------------

my @t_args = ('-t', $t->std_args);

for my $case (['other.key', qr/does not match the certificate/, 'mismatch'],
    ['missing.key', qr/\(2: No such file or directory\)/, 'missing file'],
    ['garbage.key', qr/cannot load certificate key .*garbage\.key.*SSL:/,
        'not a key'])
{
    my ($key, $re, $what) = @$case;
    config($key);
    my $key_line = key_line($key);
    my ($code, $out) = $t->run_cmd(@t_args);
    is($code, 1, "-t with a bad key ($what): exit 1");
    like($out, qr/\[emerg\] .*$re.* in \Q$dir\E\/conf\/hive\.conf:$key_line\n/,
        "-t with a bad key ($what): the message names FILE:LINE");
}

config('a-rsa.key', "        ssl_conf_command NoSuchCommand x;\n");
my ($code, $out) = $t->run_cmd(@t_args);
is($code, 1, '-t with an unknown ssl_conf_command: exit 1');
like($out,
    qr/ssl_conf_command "NoSuchCommand" "x" failed.* in \S+hive\.conf:\d+/,
    '-t with an unknown ssl_conf_command: the message');

config('garbage.key');
my $off = $t->log_offset;
$t->signal('HUP');
ok($t->wait_for_log(qr/\[emerg\].*garbage\.key/, 5, $off),
    'reload with a bad key: refused in the error log');
($res) = get('/index.html', sni => 'a.example');
like($res // '', qr/^HTTP\/1\.1 200 /, 'reload with a bad key: still serving');

config('a-rsa.key');

$t->check_error_log_clean;

done_testing;
