package BenchServer;

# BenchServer - one web server under benchmark: hive or a peer from
# Debian's packages (nginx-light, h2o, lighttpd).  new() writes an
# equivalent configuration (2 workers unless told, no access log, the
# same document root, keep-alive unlimited in practice), start() runs it
# in the foreground as our child on a free loopback port, cpu() reads
# the utime+stime of its master and every descendant from /proc, stop()
# ends it by the pid we recorded.  Every wait is bounded.

use strict;
use warnings;

use File::Path qw(make_path);
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);

my $CLK_TCK = POSIX::sysconf(POSIX::_SC_CLK_TCK()) || 100;

# ---------------------------------------------------------------- /proc

# Parent pid, utime+stime (ticks) and RSS (pages) of one process, or
# undef when it is gone.  The command name may hold spaces and
# parentheses, so fields are counted after the last ")".
sub proc_stat {
    my ($pid) = @_;
    open(my $fh, '<', "/proc/$pid/stat") or return;
    my $line = <$fh> // '';
    close $fh;
    $line =~ s/^.*\)\s+// or return;
    my @f = split /\s+/, $line;

    # after the name: state(0) ppid(1) ... utime(11) stime(12) ... rss(21)
    return { ppid => $f[1], cpu => $f[11] + $f[12], rss => $f[21] };
}

# The pid and every descendant of it, by one scan of /proc.
sub proc_tree {
    my ($root) = @_;
    my %children;
    opendir(my $dh, '/proc') or return ($root);
    for my $pid (grep { /^\d+$/ } readdir $dh) {
        my $st = proc_stat($pid) or next;
        push @{ $children{ $st->{ppid} } }, $pid;
    }
    closedir $dh;
    my @tree = ($root);
    for (my $i = 0; $i < @tree && $i < 1000; $i++) {
        push @tree, @{ $children{ $tree[$i] } // [] };
    }
    return @tree;
}

sub free_port {
    my $s = IO::Socket::INET->new(
        LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp',
        Listen => 1, ReuseAddr => 1) or die "bench: no free port: $!\n";
    my $port = $s->sockport;
    close $s;
    return $port;
}

# ---------------------------------------------------------------- configs

# %o: name, kind (hive|nginx|h2o|lighttpd), bin, dir (private, created),
# docroot, workers, accept (hive: mutex|exclusive|reuseport|handoff;
# nginx: on|off|reuseport), mime (hive's mime.types); cert and key (PEM
# paths, optional): a second port serves TLS with them, session
# resumption off (every handshake is a full one), and /100k.html is
# gzipped at level 1 (the server's lowest) for clients that accept it.
sub new {
    my ($class, %o) = @_;
    my $self = bless { workers => 2, owner => $$, %o }, $class;
    $self->{port} = free_port();
    $self->{tls_port} = free_port() if $self->{cert};
    make_path("$self->{dir}/logs", "$self->{dir}/conf");
    chmod 0755, $self->{dir};

    # h2o and lighttpd open their pid and error log files as nobody
    chmod 0777, "$self->{dir}/logs";
    my $writer = "_conf_$self->{kind}";
    $self->$writer();
    return $self;
}

sub name { $_[0]{name} }
sub kind { $_[0]{kind} }
sub port { $_[0]{port} }
sub pid { $_[0]{pid} }
sub tls_port { $_[0]{tls_port} }
sub has_tls { defined $_[0]{tls_port} }

# The URL of a path, over TLS when $tls is true.
sub url {
    my ($self, $path, $tls) = @_;
    return $tls ? "https://127.0.0.1:$self->{tls_port}$path"
        : "http://127.0.0.1:$self->{port}$path";
}

# Only hive and nginx can answer /pid with the worker's pid.
sub has_pid { $_[0]{kind} eq 'hive' || $_[0]{kind} eq 'nginx' }

sub _write {
    my ($self, $rel, $text, $mode) = @_;
    open(my $fh, $mode // '>', "$self->{dir}/$rel")
        or die "bench: $rel: $!\n";
    print $fh $text;
    close $fh or die "bench: $rel: $!\n";
}

# hive and nginx share a syntax; they differ in the /pid handler, the
# accept settings and how the foreground mode is asked for.  With a
# certificate: the TLS listener (no session cache, no tickets, so that
# a handshake line measures full handshakes; TLS 1.3 as the peers,
# which nginx 1.22 does not offer by default) and the gzip location.
# Both listen "deferred" (TCP_DEFER_ACCEPT), as hive's shipped
# configuration does: h2o and lighttpd have no such option.
sub _nginx_like {
    my ($self, $pid_handler, $events, $listen_opt) = @_;
    my ($d, $root, $n, $port) = @$self{qw(dir docroot workers port)};
    my $tls = '';
    $listen_opt .= ' deferred';
    if ($self->{cert}) {
        $tls = <<"EOF";
        listen 127.0.0.1:$self->{tls_port} ssl$listen_opt;
        ssl_certificate $self->{cert};
        ssl_certificate_key $self->{key};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache off;
        ssl_session_tickets off;

        location = /100k.html {
            gzip on;
            gzip_comp_level 1;
        }

EOF
    }
    return <<"EOF";
worker_processes $n;
worker_rlimit_nofile 32768;
user nobody nogroup;
error_log $d/logs/error.log notice;
pid $d/logs/server.pid;

events {
    worker_connections 16384;
$events}

http {
    include mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    keepalive_requests 1000000;
    keepalive_timeout 65s;
    open_file_cache max=1000 inactive=60s;

    server {
        listen 127.0.0.1:$port$listen_opt;
        root $root;
$tls
        location = /pid {
            $pid_handler
        }
    }
}
EOF
}

sub _append { $_[0]->_write($_[1], $_[2], '>>') }

sub _conf_hive {
    my ($self) = @_;
    my $a = $self->{accept};
    my $events = defined $a ? "    accept_strategy $a;\n" : '';
    system('cp', $self->{mime}, "$self->{dir}/conf/mime.types") == 0
        or die "bench: cannot copy $self->{mime}\n";
    $self->_write('conf/server.conf',
        "daemon off;\n" . $self->_nginx_like('echo_pid;', $events, ''));
    $self->{cmd} = [ $self->{bin}, '-p', "$self->{dir}/",
        '-c', "$self->{dir}/conf/server.conf",
        '-e', "$self->{dir}/logs/error.log" ];
}

sub _conf_nginx {
    my ($self) = @_;
    my $a = $self->{accept} // '';
    my $events = $a eq 'on' || $a eq 'off' ? "    accept_mutex $a;\n" : '';
    my $listen = $a eq 'reuseport' ? ' reuseport' : '';
    system('cp', '/etc/nginx/mime.types', "$self->{dir}/conf/mime.types") == 0
        or $self->_write('conf/mime.types', "types {}\n");
    $self->_write('conf/server.conf', $self->_nginx_like(
        'return 200 "Request handled by worker-$pid\n";', $events, $listen));
    $self->{cmd} = [ $self->{bin}, '-p', "$self->{dir}/",
        '-c', "$self->{dir}/conf/server.conf",
        '-e', "$self->{dir}/logs/error.log", '-g', 'daemon off;' ];
}

# h2o has one process with num-threads event loops; no access-log
# directive means no access log.  Its keep-alive timeout (10 s by
# default) becomes the others' 65 s, for the idle-connections line.
sub _conf_h2o {
    my ($self) = @_;
    my ($d, $root, $n, $port) = @$self{qw(dir docroot workers port)};
    my $paths = "    paths:\n";
    my ($global, $tls_host) = ('', '');
    if ($self->{cert}) {
        # h2o 2.2 has no gzip level knob: its default (quality 1)
        $paths .= "      /100k.html:\n        file.file: $root/100k.html\n"
            . "        compress: [ gzip ]\n";
        $global = "ssl-session-resumption:\n  mode: off\n";
    }
    $paths .= "      /:\n        file.dir: $root\n";
    if ($self->{cert}) {
        # a listen of 2.2 takes one port: the TLS port is a second host
        $tls_host = <<"EOF" . $paths;
  tls:
    listen:
      host: 127.0.0.1
      port: $self->{tls_port}
      ssl:
        certificate-file: $self->{cert}
        key-file: $self->{key}
EOF
    }
    $self->_write('conf/h2o.conf', <<"EOF");
user: nobody
num-threads: $n
max-connections: 16384
http1-request-timeout: 65
error-log: $d/logs/error.log
pid-file: $d/logs/server.pid
${global}listen:
  host: 127.0.0.1
  port: $port
hosts:
  default:
$paths$tls_host
EOF
    $self->{cmd} = [ $self->{bin}, '-c', "$d/conf/h2o.conf" ];
}

# lighttpd forks max-worker workers under a watcher process; it caps
# keep-alive requests at 65535 per connection.
sub _conf_lighttpd {
    my ($self) = @_;
    my ($d, $root, $n, $port) = @$self{qw(dir docroot workers port)};
    $self->_write('conf/lighttpd.conf', <<"EOF");
server.document-root = "$root"
server.bind = "127.0.0.1"
server.port = $port
server.max-worker = $n
server.username = "nobody"
server.groupname = "nogroup"
server.errorlog = "$d/logs/error.log"
server.max-connections = 8192
server.max-fds = 16384
server.max-keep-alive-requests = 65535
server.max-keep-alive-idle = 65
server.event-handler = "linux-sysepoll"
server.network-backend = "sendfile"
mimetype.assign = ( ".html" => "text/html", ".bin" => "application/octet-stream" )
EOF
    $self->_append('conf/lighttpd.conf', <<"EOF") if $self->{cert};
server.modules += ( "mod_openssl", "mod_deflate" )
\$SERVER["socket"] == "127.0.0.1:$self->{tls_port}" {
    ssl.engine = "enable"
    ssl.pemfile = "$self->{cert}"
    ssl.privkey = "$self->{key}"
    ssl.openssl.ssl-conf-cmd = ( "Options" => "-SessionTicket" )
}
\$HTTP["url"] == "/100k.html" {
    deflate.mimetypes = ( "text/html" )
    deflate.allowed-encodings = ( "gzip" )
    deflate.compression-level = 1
}
EOF
    $self->{cmd} = [ $self->{bin}, '-D', '-f', "$d/conf/lighttpd.conf" ];
}

# ---------------------------------------------------------------- life

# Starts the server and waits (at most 10 s) until it accepts and, for
# servers with workers, until they are forked; dies with the log tail
# when it does not come up.
sub start {
    my ($self) = @_;
    my $out = "$self->{dir}/logs/stdout.log";
    my $pid = fork() // die "bench: fork: $!\n";
    if ($pid == 0) {
        open(STDIN, '<', '/dev/null');
        open(STDOUT, '>>', $out);
        open(STDERR, '>&', \*STDOUT);
        exec(@{ $self->{cmd} }) or POSIX::_exit(127);
    }
    $self->{pid} = $pid;
    my $want = $self->single_process ? 1 : $self->{workers} + 1;
    my $deadline = time + 10;
    while (time < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            delete $self->{pid};
            die "bench: $self->{name} exited at start:\n" . $self->log_tail;
        }
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
            PeerPort => $self->{port}, Proto => 'tcp', Timeout => 1);
        if ($s && proc_tree($pid) >= $want) {
            close $s;
            sleep 0.2;
            return $self;
        }
        sleep 0.05;
    }
    $self->stop;
    die "bench: $self->{name} did not come up in 10 s:\n" . $self->log_tail;
}

sub log_tail {
    my ($self) = @_;
    my $text = '';
    for my $f ("logs/stdout.log", "logs/error.log") {
        open(my $fh, '<', "$self->{dir}/$f") or next;
        my @l = <$fh>;
        close $fh;
        $text .= "  $f: $_" for @l > 10 ? @l[-10 .. -1] : @l;
    }
    return $text;
}

# utime+stime in seconds of the server's processes, keyed by pid, so a
# run is measured as the difference of two snapshots of the same set.
sub cpu_snapshot {
    my ($self) = @_;
    my %snap;
    for my $pid (proc_tree($self->{pid})) {
        my $st = proc_stat($pid) or next;
        $snap{$pid} = $st->{cpu} / $CLK_TCK;
    }
    return \%snap;
}

sub cpu_between {
    my ($class, $before, $after) = @_;
    my $sum = 0;
    for my $pid (keys %$after) {
        $sum += $after->{$pid} - ($before->{$pid} // 0);
    }
    return $sum;
}

# Resident memory of the worker processes, in KB.
sub worker_rss_kb {
    my ($self) = @_;
    my $pages = 0;
    for my $pid ($self->worker_pids) {
        my $st = proc_stat($pid) or next;
        $pages += $st->{rss};
    }
    return $pages * (POSIX::sysconf(POSIX::_SC_PAGESIZE()) || 4096) / 1024;
}

# Whether one process serves: h2o always (its event loops are threads),
# lighttpd with one worker (it forks workers only when there are more).
sub single_process {
    my ($self) = @_;
    return $self->{kind} eq 'h2o'
        || ($self->{kind} eq 'lighttpd' && $self->{workers} == 1);
}

# The processes that serve clients: all but the master, or the one
# process of a single-process server (h2o's child is a backtrace helper).
sub worker_pids {
    my ($self) = @_;
    my @tree = proc_tree($self->{pid});
    return $self->single_process ? ($tree[0])
        : @tree > 1 ? @tree[1 .. $#tree] : @tree;
}

# How the server's workers share the established client connections on
# $port: one count per worker, largest first (the master holds none).
# undef for h2o, whose event loops are threads of one process.  A
# socket is matched to its worker by inode: /proc/PID/fd links read
# "socket:[INODE]", /proc/net/tcp gives each connection's inode.
sub connection_split {
    my ($self, $port) = @_;
    return if $self->{kind} eq 'h2o';
    my @workers = $self->worker_pids;
    my %inodes;
    for my $f ('/proc/net/tcp', '/proc/net/tcp6') {
        open(my $fh, '<', $f) or next;
        while (my $l = <$fh>) {
            my @c = split ' ', $l;

            # local "ADDR:PORT" in hex, state 01 is ESTABLISHED
            next unless @c > 9 && $c[3] eq '01'
                && $c[1] =~ /:([0-9A-F]{4})$/ && hex($1) == $port;
            $inodes{ $c[9] } = 1;
        }
        close $fh;
    }
    my @split;
    for my $pid (@workers) {
        opendir(my $dh, "/proc/$pid/fd") or next;
        my $n = grep { (readlink("/proc/$pid/fd/$_") // '') =~ /^socket:\[(\d+)\]$/
            && $inodes{$1} } readdir $dh;
        closedir $dh;
        push @split, $n;
    }
    return [ sort { $b <=> $a } @split ];
}

# TERM, then up to 5 s for the master to exit (we are its parent), then
# KILL to every process of the tree that is left.
sub stop {
    my ($self) = @_;
    my $pid = delete $self->{pid} or return;
    my @tree = proc_tree($pid);
    kill 'TERM', $pid;
    my $deadline = time + 5;
    while (time < $deadline) {
        last if waitpid($pid, WNOHANG) == $pid;
        sleep 0.05;
    }
    for my $p (@tree) {
        kill 'KILL', $p if kill 0, $p;
    }
    waitpid($pid, WNOHANG);
}

sub DESTROY {
    my ($self) = @_;
    $self->stop if $self->{pid} && $self->{owner} == $$;
}

1;
