#!/usr/bin/perl
#
# 52-tls-vhost-sessions.t - TLS and virtual servers on one port (issue 8,
# hostile clients): a session made with one server block (SNI a) does not
# resume on another with a different certificate (SNI c), neither by
# session id nor by ticket, even when both share the session cache and
# the ticket key; the server block SNI chose applies its own
# ssl_protocols and TLS 1.3 suites (ssl_conf_command Ciphersuites),
# whether they are narrower or wider than those of the port's default
# server.  The client is "openssl s_client", which prints
# "New," or "Reused," and the certificate's subject.

use strict;
use warnings;

use Test::More;
use Hive::Test;

my $t = Hive::Test->new;
my $dir = $t->testdir;

$t->make_cert('a', cn => 'a.example');
$t->make_cert('b', cn => 'b.example');
$t->make_cert('c', cn => 'c.example', type => 'rsa');
$t->make_cert('d', cn => 'd.example');
$t->write_file('conf/ticket.key', join('', map { chr(int(rand(256))) }
    1 .. 80));

my $servers = <<'EOF';
    ssl_session_cache shared:SSL:1m;
%%TICKETS%%

    server {
        listen 127.0.0.1:%%PORT_TLS%% ssl;
        listen 127.0.0.1:%%PORT_TLS2%% ssl;
        server_name a.example;
        ssl_certificate a.pem;
        ssl_certificate_key a.key;
        location / {
            return 200 "server a $ssl_protocol\n";
        }
    }

    server {
        listen 127.0.0.1:%%PORT_TLS%% ssl;
        server_name b.example;
        ssl_protocols TLSv1.3;
        ssl_conf_command Ciphersuites TLS_CHACHA20_POLY1305_SHA256;
        ssl_certificate b.pem;
        ssl_certificate_key b.key;
        location / {
            return 200 "server b $ssl_protocol\n";
        }
    }

    server {
        listen 127.0.0.1:%%PORT_TLS%% ssl;
        server_name c.example;
        ssl_certificate c.pem;
        ssl_certificate_key c.key;
        location / {
            return 200 "server c $ssl_protocol\n";
        }
    }

    server {
        listen 127.0.0.1:%%PORT_TLS2%% ssl default_server;
        server_name d.example;
        ssl_protocols TLSv1.3;
        ssl_conf_command Ciphersuites TLS_CHACHA20_POLY1305_SHA256;
        ssl_certificate d.pem;
        ssl_certificate_key d.key;
        location / {
            return 200 "server d $ssl_protocol\n";
        }
    }
EOF

sub config {
    my ($tickets) = @_;
    my $text = $servers;
    $text =~ s/%%TICKETS%%/$tickets/;
    $t->write_config($t->minimal_config($text, access_log => 0));
}

# One request through s_client with SNI $name (a GET with Host: $name,
# or the request \$args[0] points to); returns { how (New or Reused),
# version, cn (the certificate's), body, out (all of it) }.
sub s_client {
    my ($port, $name, @args) = @_;
    my $request = "GET / HTTP/1.1\r\nHost: $name\r\nConnection: close\r\n\r\n";
    $request = ${ shift @args } if @args && ref $args[0] eq 'SCALAR';
    $t->write_file('s_client.in', $request);
    my $cmd = join(' ', 'timeout', '10', 'openssl', 's_client', '-connect',
        "127.0.0.1:" . $t->port($port), '-servername', $name, '-ign_eof',
        @args, '<', "$dir/s_client.in", '2>&1');
    my $out = `$cmd`;
    my %r = (out => $out, how => '', version => '', cn => '', body => '');
    @r{qw(how version)} = ($1, $2) if $out =~ /^(New|Reused), (TLSv[\d.]+)/m;
    $r{cn} = $1 if $out =~ /^subject=.*CN\s*=\s*([\w.]+)/m;
    $r{body} = $1 if $out =~ /^(server \w+ \S*)$/m;
    return \%r;
}

my $sess = "$dir/sess.pem";

# a's session resumes on a (so that the test can fail), never on c
sub isolation {
    my ($what, @args) = @_;
    unlink($sess);
    my $r = s_client('TLS', 'a.example', @args, '-sess_out', $sess);
    ok($r->{how} eq 'New' && $r->{cn} eq 'a.example',
        "$what: a full handshake with a.example") or diag($r->{out});

    $r = s_client('TLS', 'a.example', @args, '-sess_in', $sess);
    is($r->{how}, 'Reused', "$what: the session resumes on a.example")
        or diag($r->{out});

    $r = s_client('TLS', 'c.example', @args, '-sess_in', $sess);
    is($r->{how}, 'New', "$what: offered to c.example, a full handshake")
        or diag($r->{out});
    is($r->{cn}, 'c.example', "$what: with c.example's certificate");
    like($r->{body}, qr/^server c /, "$what: and server c answers");

    $r = s_client('TLS', 'a.example', @args, '-sess_in', $sess);
    is($r->{how}, 'Reused', "$what: the session still resumes on a.example");
}

for my $tickets ("    ssl_session_ticket_key $dir/conf/ticket.key;", '') {
    my $keys = $tickets ? 'one ticket key file' : 'OpenSSL\'s ticket keys';
    config($tickets);
    if ($t->master_pid) {
        my @old = $t->worker_pids;
        my $off = $t->log_offset;
        $t->signal('HUP');
        ok($t->wait_for_log(qr/start worker process/, 10, $off),
            "reload: $keys");
        # until the old worker has gone it may still take a handshake
        $t->wait_until(sub { !grep { Hive::Test::alive($_) } @old }, 10);
        $t->wait_workers(1);
    } else {
        $t->run;
    }

    for my $proto ('-tls1_3', '-tls1_2') {
        isolation("$proto, tickets, $keys", $proto);
        isolation("$proto, session id, $keys", $proto, '-no_ticket');
    }
}

# --- ssl_protocols and TLS 1.3 suites of the server SNI chose -------------

my $r = s_client('TLS', 'a.example', '-tls1_2');
is($r->{version}, 'TLSv1.2', 'TLS 1.2 to a.example (TLSv1.2 TLSv1.3)')
    or diag($r->{out});
like($r->{body}, qr/^server a TLSv1\.2$/, 'server a answers over TLS 1.2');

$r = s_client('TLS', 'b.example', '-tls1_2');
is($r->{how}, '', 'TLS 1.2 to b.example (TLSv1.3 only): refused')
    or diag($r->{out});
like($r->{out}, qr/alert protocol version/, 'with a protocol_version alert');

$r = s_client('TLS', 'b.example', '-tls1_3');
ok($r->{version} eq 'TLSv1.3' && $r->{cn} eq 'b.example',
    'TLS 1.3 to b.example: its certificate') or diag($r->{out});
like($r->{body}, qr/^server b TLSv1\.3$/, 'server b answers over TLS 1.3');
like($r->{out}, qr/Cipher is TLS_CHACHA20_POLY1305_SHA256/,
    'with the TLS 1.3 suite of its ssl_conf_command');

$r = s_client('TLS', 'b.example', '-tls1_3', '-ciphersuites',
    'TLS_AES_256_GCM_SHA384');
is($r->{how}, '', 'a TLS 1.3 suite b.example does not have: refused');
$r = s_client('TLS', 'a.example', '-tls1_3', '-ciphersuites',
    'TLS_AES_256_GCM_SHA384');
is($r->{version}, 'TLSv1.3', 'the same suite to a.example: accepted');

# the port's default server is narrower than the server SNI chose
$r = s_client('TLS2', 'a.example', '-tls1_2');
ok($r->{version} eq 'TLSv1.2' && $r->{cn} eq 'a.example',
    'TLS 1.2 to a.example where the default server is TLSv1.3 only')
    or diag($r->{out});
$r = s_client('TLS2', 'd.example', '-tls1_2');
is($r->{how}, '', 'TLS 1.2 to that default server: refused');
$r = s_client('TLS2', 'unknown.example', '-tls1_2');
is($r->{how}, '', 'TLS 1.2 with an unknown name (the default): refused');
$r = s_client('TLS2', 'unknown.example', '-tls1_3');
is($r->{cn}, 'd.example', 'TLS 1.3 with an unknown name: the default');
$r = s_client('TLS2', 'a.example', '-tls1_3', '-ciphersuites',
    'TLS_AES_256_GCM_SHA384');
is($r->{version}, 'TLSv1.3',
    'a TLS 1.3 suite a.example has and the default server lacks: accepted');
$r = s_client('TLS2', 'd.example', '-tls1_3', '-ciphersuites',
    'TLS_AES_256_GCM_SHA384');
is($r->{how}, '', 'the same suite to the default server: refused');

# HTTP/1.0 without Host: the server SNI chose answers, as in nginx
my $no_host = "GET / HTTP/1.0\r\n\r\n";
$r = s_client('TLS', 'c.example', \$no_host);
like($r->{body}, qr/^server c /,
    'HTTP/1.0 without Host, SNI c.example: server c answers')
    or diag($r->{out});
$r = s_client('TLS', 'unknown.example', \$no_host);
like($r->{body}, qr/^server a /,
    'HTTP/1.0 without Host, an unknown SNI name: the default server');

$t->check_error_log_clean;

done_testing;
