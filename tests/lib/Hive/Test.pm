package Hive::Test;

# Hive::Test - start the real hive binary in a temporary prefix and talk
# HTTP to it over raw loopback sockets (STYLE 33).  The POD at the end of
# this file is the reference; tests/integration/*.t are the examples.
#
# Every wait in here is bounded by a deadline and polls every 50 ms; every
# process is stopped by the pid this object recorded, never by name.

use strict;
use warnings;

use Digest::MD5 ();
use Exporter 'import';
use File::Basename qw(dirname);
use File::Copy qw(copy);
use File::Path qw(make_path remove_tree);
use File::Spec;
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Scalar::Util qw(weaken);
use Test::More ();
use Time::HiRes qw(time sleep);

our @EXPORT_OK = qw(parse_response parse_responses openssl read_some);

use constant POLL => 0.05;

# A write to a socket the server has closed must fail, not kill the test.
$SIG{PIPE} = 'IGNORE';

my %live;    # every object not yet destroyed, for END

sub new {
    my ($class, %opts) = @_;
    my $self = bless {
        owner => $$,             # a forked child must not stop the server
        ports => {},
        port_order => [],
        used_ports => {},
        workers_seen => {},
    }, $class;

    my $src = $ENV{HIVE_SRC} // '.';
    $self->{bin} = $opts{bin} // $ENV{HIVE_BIN} // "$src/objs/hive";
    $self->{bin} = File::Spec->rel2abs($self->{bin});
    $self->{install_root} = $ENV{HIVE_INSTALL_ROOT};
    $self->{leave} = $ENV{HIVE_TEST_LEAVE} ? 1 : 0;

    $self->{dir} = tempdir('hive-test-XXXXXXXX', TMPDIR => 1, CLEANUP => 0);
    make_path(map { "$self->{dir}/$_" } qw(logs html conf));
    Test::More::diag("Hive::Test: keeping $self->{dir}") if $self->{leave};

    my $mime = defined $self->{install_root}
        ? "$self->{install_root}/conf/mime.types" : "$src/conf/mime.types";
    copy($mime, "$self->{dir}/conf/mime.types") if -f $mime;

    $live{"$self"} = $self;
    weaken($live{"$self"});

    $self->write_config($opts{config}) if defined $opts{config};
    return $self;
}

sub testdir { $_[0]{dir} }
sub bin { $_[0]{bin} }
sub install_root { $_[0]{install_root} }

# ---------------------------------------------------------------- files

sub _path {
    my ($self, $rel) = @_;
    return $rel =~ m{^/} ? $rel : "$self->{dir}/$rel";
}

sub write_file {
    my ($self, $rel, $content) = @_;
    my $path = $self->_path($rel);

    make_path(dirname($path));
    open(my $fh, '>:raw', $path) or die "open $path: $!";
    print $fh $content;
    close($fh) or die "close $path: $!";
    return $path;
}

# Writes $size bytes of numbered lines ("0000000\n", ...: a misplaced or
# lost piece shows) and returns their MD5 in hex (added for 26; see the
# POD).  $size is a multiple of 8.
sub write_lines_file {
    my ($self, $rel, $size) = @_;
    my $data = join('', map { sprintf("%07d\n", $_) } 0 .. $size / 8 - 1);

    $self->write_file($rel, $data);
    return Digest::MD5::md5_hex($data);
}

sub read_file {
    my ($self, $rel) = @_;
    my $path = $self->_path($rel);

    open(my $fh, '<:raw', $path) or return undef;
    local $/;
    my $data = <$fh>;
    close($fh);
    return $data // '';
}

# A free loopback port per name: bind port 0, read what the kernel chose,
# close.  Another process could take it before hive binds it; rare enough.
sub port {
    my ($self, $name) = @_;
    $name //= 0;
    return $self->{ports}{$name} if exists $self->{ports}{$name};

    for (1 .. 50) {
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
            LocalPort => 0, Proto => 'tcp') or die "bind 127.0.0.1:0: $!";
        my $port = $s->sockport;
        close($s);
        next if $self->{used_ports}{$port}++;
        push @{$self->{port_order}}, $name;
        return $self->{ports}{$name} = $port;
    }
    die "no free port for '$name'";
}

# A port option: a name given to port(), else a number, else the first
# port the configuration used.
sub _port_of {
    my ($self, $p) = @_;
    if (!defined $p) {
        die "no port configured yet" unless @{$self->{port_order}};
        return $self->{ports}{$self->{port_order}[0]};
    }
    return $self->{ports}{$p} if exists $self->{ports}{$p};
    return $p if $p =~ /^\d+$/;
    die "unknown port name '$p'";
}

sub subst {
    my ($self, $text) = @_;
    $text =~ s/%%PORT_(\w+)%%/$self->port($1)/ge;
    $text =~ s/%%TESTDIR%%/$self->{dir}/g;
    return $text;
}

sub config_prelude {
    return "daemon on;\npid logs/hive.pid;\nerror_log logs/error.log info;\n";
}

# The configuration most tests start from (added for the 5x and 88 tests;
# see the POD): the prelude, workers, an events block and an http block
# around the caller's text.
sub minimal_config {
    my ($self, $http, %o) = @_;
    my $main = defined $o{main} ? "$o{main}\n" : '';
    my $log = ($o{access_log} // 1) ? '' : "    access_log off;\n";
    return $self->config_prelude . $main
        . 'worker_processes ' . ($o{workers} // 1) . ";\n\n"
        . "events {\n    worker_connections "
        . ($o{connections} // 128) . ";\n}\n\n"
        . "http {\n$log$http}\n";
}

# A self-signed certificate and its key (added for the TLS tests; see the
# POD).  A plain function too: Hive::Test::make_cert(undef, ..., dir => D).
sub make_cert {
    my ($self, $name, %o) = @_;
    my $dir = $o{dir} // ($self ? "$self->{dir}/conf" : die "make_cert: dir");
    my $type = $o{type} // 'ec';
    my @key = $type eq 'rsa' ? ('-newkey', 'rsa:2048')
        : $type eq 'ec' ? ('-newkey', 'ec', '-pkeyopt',
            'ec_paramgen_curve:P-256')
        : die "make_cert: type '$type' (ec or rsa)";
    my ($cert, $key) = ("$dir/$name.pem", "$dir/$name.key");

    make_path($dir);
    openssl('req', '-x509', '-nodes', '-days', '30', '-subj',
        '/CN=' . ($o{cn} // 'localhost'), @key, '-keyout', $key, '-out',
        $cert);
    return ($cert, $key);
}

# The openssl command, quiet; dies when it fails (a plain function).
sub openssl {
    my (@args) = @_;
    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        open(STDIN, '<', '/dev/null');
        open(STDOUT, '>', '/dev/null');
        open(STDERR, '>', '/dev/null');
        exec('openssl', @args) or POSIX::_exit(127);
    }
    waitpid($pid, 0);
    die "openssl @args failed\n" if $?;
    return 1;
}

sub write_config {
    my ($self, $text) = @_;
    return $self->write_file('conf/hive.conf', $self->subst($text));
}

sub std_args {
    my ($self) = @_;
    my $d = $self->{dir};
    return ('-p', "$d/", '-c', "$d/conf/hive.conf", '-e', "$d/logs/error.log");
}

# ---------------------------------------------------------------- processes

# fork + exec BIN ARGS with stdout and stderr appended to OUT.
sub _spawn {
    my ($self, $out, @args) = @_;
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        $SIG{PIPE} = 'DEFAULT';    # an ignored signal survives exec
        open(STDIN, '<', '/dev/null');
        open(STDOUT, '>>', $out) and open(STDERR, '>&', \*STDOUT)
            and exec($self->{bin}, @args);
        print STDERR "exec $self->{bin}: $!\n";
        POSIX::_exit(127);
    }
    return $pid;
}

sub _exit_code {
    my ($status) = @_;
    return $status & 127 ? 128 + ($status & 127) : $status >> 8;
}

sub run_cmd {
    my ($self, @args) = @_;
    my $timeout = 20;
    my $out = "$self->{dir}/run_cmd.out";

    unlink($out);
    my $pid = $self->_spawn($out, @args);
    my $deadline = time() + $timeout;
    my $code;

    while (1) {
        if (waitpid($pid, WNOHANG) == $pid) {
            $code = _exit_code($?);
            last;
        }
        if (time() > $deadline) {
            kill('KILL', $pid);
            waitpid($pid, 0);
            $code = -1;
            Test::More::diag("run_cmd @args: killed after $timeout s");
            last;
        }
        sleep(POLL);
    }
    return ($code, $self->read_file($out) // '');
}

# $rel (added for 24-upgrade.t): another pid file, e.g. hive.pid.oldbin.
sub read_pid_file {
    my ($self, $rel) = @_;
    my $pid = $self->read_file($rel // 'logs/hive.pid');
    return (defined $pid && $pid =~ /^\s*(\d+)\s*$/) ? $1 : undef;
}

# True when some socket listens on PORT.  Read from /proc/net/tcp{,6} rather
# than by connecting, so that a test's connection counts (stub_status,
# access log) do not include a probe; connect only without /proc.
sub _listening {
    my ($port) = @_;
    my $hex = sprintf(':%04X ', $port);
    my $seen = 0;

    for my $f ('/proc/net/tcp', '/proc/net/tcp6') {
        open(my $fh, '<', $f) or next;
        $seen = 1;
        while (<$fh>) {
            my @f = split;
            return 1 if @f > 3 && "$f[1] " =~ /\Q$hex\E$/ && $f[3] eq '0A';
        }
    }
    return 0 if $seen;

    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
        Proto => 'tcp', Timeout => 1) or return 0;
    close($s);
    return 1;
}

sub run {
    my ($self, @args) = @_;
    my %o = ref($args[0]) eq 'HASH' ? %{shift @args} : ();
    my $timeout = $o{timeout} // 10;
    my $port;

    if (exists $o{port}) {
        $port = $o{port} ? $self->_port_of($o{port}) : undef;
    } elsif (@{$self->{port_order}}) {
        $port = $self->_port_of(undef);
    }

    # a second instance from the same directory would be found ready at
    # once; that case is for run_cmd
    die "Hive::Test::run: already running (master $self->{master_pid})\n"
        if $self->{master_pid} && alive($self->{master_pid});

    # a pid file left by a server that is gone would fool the wait below
    my $old = $self->read_pid_file;
    unlink("$self->{dir}/logs/hive.pid") if !$old || !alive($old);

    my $launcher = $self->_spawn("$self->{dir}/hive.out", $self->std_args,
        @args);
    $self->{launcher} = $launcher;
    my $deadline = time() + $timeout;
    my $why;

    while (1) {
        if ($self->{launcher} && waitpid($launcher, WNOHANG) == $launcher) {
            delete $self->{launcher};
            my $code = _exit_code($?);
            if ($code != 0) {
                $why = "hive exited with $code";
                last;
            }
        }
        my $pid = $self->read_pid_file;
        if ($pid && alive($pid) && (!defined $port || _listening($port))) {
            $self->{master_pid} = $pid;
            return $pid;
        }
        if (time() > $deadline) {
            $why = "not ready after $timeout s" . (defined $port
                ? " (pid file and port $port)" : " (pid file)");
            last;
        }
        sleep(POLL);
    }

    # stop() kills a launcher still running and anything in the pid file
    $self->{master_pid} = $self->read_pid_file;
    $self->stop(timeout => 2);
    die "Hive::Test::run: $why\n" . $self->_tail("hive.out", 10)
        . $self->_tail("logs/error.log", 30);
}

sub _tail {
    my ($self, $rel, $n) = @_;
    my $text = $self->read_file($rel) // '';
    my @lines = split /\n/, $text;
    splice(@lines, 0, @lines - $n) if @lines > $n;
    return '' unless @lines;
    return "--- $rel (last lines):\n" . join('', map { "  $_\n" } @lines);
}

sub master_pid { $_[0]{master_pid} }

# (pid, ppid, state, comm) of every process, from /proc/PID/stat; comm may
# hold spaces and parentheses, so the fields are read after the last ')'.
sub _procs {
    my @procs;
    opendir(my $dh, '/proc') or return ();
    for my $pid (grep { /^\d+$/ } readdir($dh)) {
        open(my $fh, '<', "/proc/$pid/stat") or next;
        my $stat = <$fh> // '';
        close($fh);
        next unless $stat =~ /^\d+ \((.*)\) (\S) (\d+)/s;
        push @procs, [$pid, $3, $2, $1];
    }
    closedir($dh);
    return @procs;
}

sub cmdline {
    my ($self, $pid) = @_;
    my $c = $self->read_file("/proc/$pid/cmdline") // return undef;
    $c =~ s/\0+$//;
    $c =~ tr/\0/ /;
    return $c;
}

# How many descriptors PID has open, and its VmRSS in kB (-1 when gone);
# added for the leak tests (88), see the POD.
sub fd_count {
    my ($self, $pid) = @_;
    opendir(my $dh, "/proc/$pid/fd") or return -1;
    my $n = grep { /^\d+$/ } readdir($dh);
    closedir($dh);
    return $n;
}

# True when the binary under test was built with AddressSanitizer, whose
# shadow memory and quarantine make memory bounds looser (added for 88/89).
sub has_asan {
    my ($self) = @_;
    open(my $fh, '<:raw', $self->{bin}) or return 0;
    local $/;
    my $data = <$fh> // '';
    return index($data, '__asan_init') >= 0;
}

sub rss_kb {
    my ($self, $pid) = @_;
    my $s = $self->read_file("/proc/$pid/status") // '';
    return $s =~ /^VmRSS:\s+(\d+) kB/m ? $1 : -1;
}

sub worker_pids {
    my ($self) = @_;
    my $m = $self->{master_pid} or return ();
    my @w = sort { $a <=> $b } map { $_->[0] }
        grep { $_->[1] == $m && $_->[2] !~ /^[ZX]$/ } _procs();
    $self->{workers_seen}{$_} = 1 for @w;
    return @w;
}

sub wait_workers {
    my ($self, $n, $timeout) = @_;
    my $deadline = time() + ($timeout // 10);
    my @w;

    while (1) {
        @w = $self->worker_pids;
        return @w if @w == $n || time() > $deadline;
        sleep(POLL);
    }
}

sub signal {
    my ($self, $sig) = @_;
    my $m = $self->{master_pid} or return 0;
    return kill($sig, $m);
}

# kill 0 also succeeds on a zombie, and a daemon's exited master stays one
# until the container's init reaps it: check the state too.
sub alive {
    my $pid = pop;
    return 0 unless kill(0, $pid);
    open(my $fh, '<', "/proc/$pid/stat") or return 0;
    my $stat = <$fh> // '';
    return $stat !~ /\) [ZX] /;
}

# Polls $cond every 50 ms until it is true (1) or $timeout s pass (0)
# (added for 24 and 25; see the POD).  A plain function too.
sub wait_until {
    my $timeout = pop;
    my $cond = pop;
    my $deadline = time() + $timeout;

    while (1) {
        return 1 if $cond->();
        return 0 if time() > $deadline;
        sleep(POLL);
    }
}

# Kills PID only if it still looks like hive, so a recycled pid is spared.
sub _kill_leftover {
    my ($self, $pid) = @_;
    return unless alive($pid);
    my $c = $self->cmdline($pid) // '';
    my $bin = (File::Spec->splitpath($self->{bin}))[2];
    kill('KILL', $pid) if $c =~ /hive|\Q$bin\E/;
}

sub stop {
    my ($self, %o) = @_;
    my $m = $self->{master_pid};
    my $launcher = $self->{launcher};
    my $deadline = time() + ($o{timeout} // 10);
    my $clean = 1;

    return 1 unless $m || $launcher;
    my @workers = ($self->worker_pids, keys %{$self->{workers_seen}});

    kill($o{signal} // 'TERM', $m) if $m;
    kill('TERM', $launcher) if $launcher && (!$m || $launcher != $m);

    while (1) {
        # under "daemon off;" the master is our child: reap, or it lingers
        if ($launcher && waitpid($launcher, WNOHANG) == $launcher) {
            $launcher = undef;
        }
        last if !($m && alive($m)) && !$launcher;
        if (time() > $deadline) {
            $clean = 0;
            Test::More::diag("Hive::Test::stop: master $m still running,"
                . " killing it") if $m;
            last;
        }
        sleep(POLL);
    }

    $self->_kill_leftover($_) for grep { defined } $m, $launcher, @workers;
    if ($launcher) {
        kill('KILL', $launcher);
        waitpid($launcher, 0);
    }

    delete @{$self}{qw(master_pid launcher)};
    $self->{workers_seen} = {};
    return $clean;
}

sub _cleanup {
    my ($self) = @_;
    return if $self->{owner} != $$ || $self->{cleaned}++;
    local ($?, $!, $@);
    $self->stop;
    remove_tree($self->{dir}) unless $self->{leave};
}

sub DESTROY {
    my ($self) = @_;
    delete $live{"$self"};
    $self->_cleanup;
}

END {
    local $?;
    $_->_cleanup for grep { defined } values %live;
}

# ---------------------------------------------------------------- logs

sub error_log {
    my ($self) = @_;
    return $self->read_file('logs/error.log') // '';
}

sub log_offset {
    my ($self) = @_;
    return (-s "$self->{dir}/logs/error.log") || 0;
}

sub wait_for_log {
    my ($self, $re, $timeout, $offset) = @_;
    my $deadline = time() + ($timeout // 5);

    while (1) {
        my $log = $self->error_log;
        # an offset past the end means the log was rotated: read it all
        $log = substr($log, $offset) if $offset && $offset <= length $log;
        for my $line (split /\n/, $log) {
            return $line if $line =~ $re;
        }
        return undef if time() > $deadline;
        sleep(POLL);
    }
}

sub check_error_log_clean {
    my ($self, %o) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $bad = qr/\[(?:alert|crit)\]|runtime error:
        |(?:Address|Leak|Thread|Memory|UndefinedBehavior)Sanitizer/x;
    my @bad;

    $self->stop unless $o{keep_running};
    for my $rel ('logs/error.log', 'hive.out', @{$o{files} // []}) {
        for my $line (split /\n/, $self->read_file($rel) // '') {
            next unless $line =~ $bad;
            next if $o{allow} && $line =~ $o{allow};
            push @bad, "$rel: $line";
        }
    }

    my $ok = Test::More::ok(!@bad, $o{name} // 'no alert, crit or sanitizer'
        . ' line in the error log');
    Test::More::diag(join("\n", @bad)) if @bad;
    return $ok;
}

# ---------------------------------------------------------------- HTTP

sub _connect {
    my ($self, %o) = @_;
    my $port = $self->_port_of($o{port});
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
        Proto => 'tcp', Timeout => $o{timeout} // 5);
    binmode($s) if $s;
    return $s;
}

sub _write_all {
    my ($s, $data) = @_;
    while (length $data) {
        my $n = syswrite($s, $data);
        return 0 unless $n;
        substr($data, 0, $n, '');
    }
    return 1;
}

# Reads into $$buf until EOF (returns 1) or DEADLINE (returns 0).
sub _read_until_eof {
    my ($s, $buf, $deadline) = @_;
    my $sel = IO::Select->new($s);

    while (1) {
        my $left = $deadline - time();
        return 0 if $left <= 0;
        next unless $sel->can_read($left);
        my $n = sysread($s, $$buf, 262144, length $$buf);
        return 1 if !$n;    # EOF, or an error such as a reset
    }
}

# Reads from socket $s until $max bytes, EOF or $timeout seconds; returns
# what it read (added for 26; see the POD).  A plain function.
sub read_some {
    my ($s, $max, $timeout) = @_;
    my $buf = '';
    my $deadline = time() + $timeout;

    while (length($buf) < $max) {
        my $left = $deadline - time();
        last if $left <= 0;
        next unless IO::Select->new($s)->can_read($left);
        my $n = sysread($s, $buf, 262144, length $buf);
        last unless $n;
    }
    return $buf;
}

sub http {
    my ($self, $req, %o) = @_;
    my $timeout = $o{timeout} // 5;
    my $s = $self->_connect(%o) or return undef;
    my @split = @{$o{split} // []};
    my $res = '';

    for my $n (@split) {
        last unless length $req;
        _write_all($s, substr($req, 0, $n, '')) or last;
        sleep($o{sleep} // 0.1);
    }
    _write_all($s, $req) if length $req;
    _read_until_eof($s, \$res, time() + $timeout);
    close($s);
    return $res;
}

sub http_get {
    my ($self, $path, %o) = @_;
    my $method = $o{method} // 'GET';
    my $host = $o{host} // 'localhost';
    my $req;

    if (($o{version} // '1.0') eq '1.1') {
        $req = "$method $path HTTP/1.1\r\nHost: $host\r\nConnection: close\r\n";
    } else {
        $req = "$method $path HTTP/1.0\r\nHost: $host\r\n";
    }
    $req .= "$_\r\n" for @{$o{headers} // []};
    return $self->http("$req\r\n", %o);
}

sub http_head {
    my ($self, $path, %o) = @_;
    return $self->http_get($path, %o, method => 'HEAD');
}

sub connect {
    my ($self, %o) = @_;
    my $s = $self->_connect(%o) or return undef;
    return bless { sock => $s, buf => '' }, 'Hive::Test::Conn';
}

# ---------------------------------------------------------------- load

# A bounded client load for fault tests (added for 81-86; see the POD):
# forked children issue requests until their time is up or load_stop(),
# and log every outcome to a file of their own, read back by load_stop().
sub load_start {
    my ($self, %o) = @_;
    my %cfg = (
        clients => $o{clients} // 4,
        duration => $o{duration} // 5,
        path => $o{path} // '/pid',
        keepalive => $o{keepalive} // 10,
        pause => $o{pause} // 0.005,
        timeout => $o{timeout} // 5,
        expect => $o{expect} // qr/^Request handled by worker-(\d+)\n\z/,
        port => $self->_port_of($o{port}),
        retry => $o{retry} // 1,
    );
    my $tag = ++$self->{load_n};
    my @kids;

    for my $i (0 .. $cfg{clients} - 1) {
        my $out = "$self->{dir}/load-$tag-$i.txt";
        # even children keep connections alive, odd ones open fresh ones
        my $keep = $i % 2 == 0 ? $cfg{keepalive} : 1;
        unlink($out);
        my $pid = fork();
        die "fork: $!" unless defined $pid;
        if ($pid == 0) {
            my $code = eval { _load_child(\%cfg, $keep, $out); 0 };
            print STDERR "load child: $@" unless defined $code;
            POSIX::_exit(defined $code ? 0 : 1);    # no END blocks here
        }
        push @kids, [$pid, $out];
    }
    return { kids => \@kids, cfg => \%cfg, started => time() };
}

# One request on $$s (connected if undef).  Returns (kind, pid, error).
sub _load_request {
    my ($cfg, $conn, $close) = @_;
    my $req = "GET $cfg->{path} HTTP/1.1\r\nHost: localhost\r\n"
        . ($close ? "Connection: close\r\n" : '') . "\r\n";
    my $s = $conn->{sock};
    my $deadline = time() + $cfg->{timeout};
    my $sel = IO::Select->new($s);
    my $buf = '';
    my ($r, $eof, $why);

    return ('reset', undef, "write: $!") unless _write_all($s, $req);
    while (1) {
        ($r) = _parse_one(\$buf, 'GET', $eof);
        last if $r;
        my $left = $deadline - time();
        return ('timeout', undef, 'no response') if $left <= 0;
        next unless $sel->can_read($left);
        my $n = sysread($s, $buf, 65536, length $buf);
        next if $n;
        $eof = 1;
        $why = defined $n ? 'EOF' : "read: $!";
    }
    return ('reset', undef, length($buf) ? "response cut short ($why)"
        : "$why before any byte") if $r->{incomplete};
    return ('bad', undef, "status " . ($r->{status} // 'none'))
        if ($r->{status} // 0) != 200;
    return ('bad', undef, "body '$r->{body}'")
        if $r->{body} !~ $cfg->{expect};
    my $pid = $1;
    # the server's "Connection: close" ends the connection, as in a browser
    $conn->{closing} = 1 if ($r->{headers}{connection} // '') =~ /close/i;
    return ('ok', $pid, '');
}

sub _load_child {
    my ($cfg, $keep, $out) = @_;
    my $stop = 0;
    local $SIG{TERM} = sub { $stop = 1 };
    my $end = time() + $cfg->{duration};
    my $conn;
    my @ev;

    while (!$stop && time() < $end) {
        if (!$conn) {
            my $t0 = time();
            my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                PeerPort => $cfg->{port}, Proto => 'tcp',
                Timeout => $cfg->{timeout});
            if (!$s) {
                push @ev, [$t0, 'refused', 0, '-', $t0, "connect: $!"];
                sleep(0.05);
                next;
            }
            binmode($s);
            $conn = { sock => $s, used => 0, pid => '-', opened => $t0 };
        }
        my $close = $conn->{used} + 1 >= $keep;
        my $t = time();
        my ($kind, $pid, $err) = _load_request($cfg, $conn, $close);
        # a reused connection closed by the server as the request left: a
        # browser sends it again on a new one (RFC 9112 9.3.1), so do we
        $kind = 'retried' if $kind eq 'reset' && $cfg->{retry}
            && $conn->{used} > 0 && $err =~ /^write: |before any byte$/;
        # a failure names the worker that answered this connection before
        push @ev, [$t, $kind, $conn->{used}, $kind eq 'ok' ? $pid
            : $conn->{pid}, $conn->{opened}, $err];
        $conn->{used}++;
        $conn->{pid} = $pid if defined $pid;
        if ($kind ne 'ok' || $close || $conn->{closing}) {
            CORE::close($conn->{sock});
            $conn = undef;
        }
        sleep($cfg->{pause}) if $cfg->{pause} > 0 && $kind ne 'retried';
    }

    open(my $fh, '>', "$out.tmp") or die "open $out.tmp: $!";
    print $fh join("\t", @$_), "\n" for @ev;
    close($fh) or die "close $out.tmp: $!";
    rename("$out.tmp", $out) or die "rename $out: $!";
}

sub load_stop {
    my ($self, $load, %o) = @_;
    my $cfg = $load->{cfg};
    my $deadline = time() + ($o{wait}
        ? $cfg->{duration} + $cfg->{timeout} + 10 : $cfg->{timeout} + 10);
    my %res = (ok => 0, refused => 0, reset => 0, timeout => 0, bad => 0,
        retried => 0, events => [], pids => {}, lost_children => 0);

    kill('TERM', map { $_->[0] } @{$load->{kids}}) unless $o{wait};
    for my $kid (@{$load->{kids}}) {
        my ($pid, $out) = @$kid;
        while (waitpid($pid, WNOHANG) != $pid) {
            if (time() > $deadline) {
                kill('KILL', $pid);
                waitpid($pid, 0);
                last;
            }
            sleep(POLL);
        }
        open(my $fh, '<', $out) or do { $res{lost_children}++; next };
        while (my $line = <$fh>) {
            chomp $line;
            my ($t, $kind, $reused, $pid, $opened, $err) = split /\t/, $line;
            push @{$res{events}}, { time => $t, kind => $kind,
                reused => $reused, pid => $pid eq '-' ? undef : $pid,
                opened => $opened, error => $err // '' };
            $res{$kind}++;
            $res{pids}{$pid}++ if $kind eq 'ok';
        }
        close($fh);
        unlink($out);
    }
    @{$res{events}} = sort { $a->{time} <=> $b->{time} } @{$res{events}};
    $res{failed} = $res{refused} + $res{reset} + $res{timeout} + $res{bad};
    $res{failures} = [grep { $_->{kind} !~ /^(?:ok|retried)$/ }
        @{$res{events}}];
    return \%res;
}

# One line per failure, for diag().
sub load_report {
    my ($self, $res, $max) = @_;
    my @f = @{$res->{failures}};
    splice(@f, $max // 20) if @f > ($max // 20);
    return sprintf("ok %d, refused %d, reset %d, timeout %d, bad %d,"
        . " retried %d\n", @{$res}{qw(ok refused reset timeout bad retried)})
        . join('', map {
        sprintf("  %.3f %s after %d on conn opened %.3f (worker %s): %s\n",
            $_->{time}, $_->{kind}, $_->{reused}, $_->{opened},
            $_->{pid} // '-', $_->{error}) } @f);
}

# ---------------------------------------------------------------- parsing

# Parses one response at the start of $$data.  Returns (hashref, bytes
# used), or () when more bytes could complete it and EOF is false.  With
# EOF true, whatever is there becomes the response, marked incomplete.
sub _parse_one {
    my ($data, $method, $eof) = @_;
    my %r = (status => undef, headers => {}, header_list => [], body => '');

    my $end = $$data =~ /\r?\n\r?\n/ ? $+[0] : undef;
    if (!defined $end) {
        return () unless $eof;
        return ({ %r, error => 'incomplete header', incomplete => 1,
            raw => $$data }, length $$data);
    }

    my @lines = split /\r?\n/, substr($$data, 0, $end);
    my $sl = shift(@lines) // '';
    if ($sl =~ m{^(HTTP/\d+\.\d+) (\d{3})(?: (.*))?$}) {
        @r{qw(version status reason)} = ($1, $2 + 0, $3 // '');
    } else {
        $r{error} = "bad status line '$sl'";
    }
    for (@lines) {
        next unless /^([^:\s]+):[ \t]*(.*?)[ \t]*$/;
        push @{$r{header_list}}, [$1, $2];
        my $k = lc $1;
        $r{headers}{$k} = exists $r{headers}{$k}
            ? "$r{headers}{$k}, $2" : $2;
    }

    my $st = $r{status} // 0;
    my $te = $r{headers}{'transfer-encoding'} // '';
    my $cl = $r{headers}{'content-length'};
    my $pos = $end;

    if (($method // '') eq 'HEAD' || $st < 200 || $st == 204 || $st == 304) {
        # no body
    } elsif ($te =~ /chunked/i) {
        @r{qw(chunked chunk_sizes trailers)} = (1, [], {});
        pos($$data) = $pos;
        while (1) {
            # chunk-size [ext] CRLF data CRLF, ..., 0 CRLF [trailers] CRLF
            if ($$data !~ /\G([0-9a-fA-F]+)[^\r\n]*\r?\n/gc) {
                return () unless $eof;
                $r{incomplete} = 1;
                last;
            }
            my $size = hex($1);
            push @{$r{chunk_sizes}}, $size;
            if ($size == 0) {
                if ($$data !~ /\G((?:[^\r\n]+\r?\n)*)\r?\n/gc) {
                    return () unless $eof;
                    $r{incomplete} = 1;
                    last;
                }
                for (split /\r?\n/, $1) {
                    $r{trailers}{lc $1} = $2 if /^([^:]+):\s*(.*?)\s*$/;
                }
                $pos = pos($$data);
                last;
            }
            my $at = pos($$data);
            $r{body} .= substr($$data, $at, $size);
            pos($$data) = $at + $size;
            if ($at + $size > length($$data)
                || $$data !~ /\G\r?\n/gc)
            {
                return () unless $eof;
                $r{incomplete} = 1;
                last;
            }
            $pos = pos($$data);
        }
        $pos = length $$data if $r{incomplete};
    } elsif (defined $cl && $cl =~ /^\d+$/) {
        if (length($$data) - $pos < $cl) {
            return () unless $eof;
            $r{incomplete} = 1;
        }
        $r{body} = substr($$data, $pos, $cl);
        $pos += length $r{body};
    } else {
        # delimited by the end of the connection
        return () unless $eof;
        $r{body} = substr($$data, $pos);
        $pos = length $$data;
    }

    $r{raw} = substr($$data, 0, $pos);
    return (\%r, $pos);
}

sub parse_response {
    my ($raw, %o) = @_;
    $raw //= '';
    my ($r, $used) = _parse_one(\$raw, $o{method}, 1);
    $r->{rest} = substr($raw, $used);
    return $r;
}

sub parse_responses {
    my ($raw, %o) = @_;
    my @methods = @{$o{methods} // []};
    my @res;

    $raw //= '';
    while (length $raw) {
        my ($r, $used) = _parse_one(\$raw, shift @methods, 1);
        push @res, $r;
        last if !$used || defined $r->{error};
        substr($raw, 0, $used, '');
    }
    return @res;
}

# ---------------------------------------------------------------- Conn

package Hive::Test::Conn;

use IO::Select;
use Time::HiRes qw(time);

sub send {
    my ($self, $data) = @_;
    return 0 unless $self->{sock};
    return Hive::Test::_write_all($self->{sock}, $data);
}

sub read_response {
    my ($self, %o) = @_;
    my $deadline = time() + ($o{timeout} // 5);
    my $s = $self->{sock} or return undef;
    my $sel = IO::Select->new($s);

    while (1) {
        my ($r, $used) = Hive::Test::_parse_one(\$self->{buf}, $o{method},
            $self->{eof});
        # at EOF a header cut short is no response: undef, bytes kept
        if ($r && !($self->{eof} && $r->{incomplete} && !defined $r->{status}))
        {
            substr($self->{buf}, 0, $used, '');
            return $r;
        }
        return undef if $self->{eof};

        my $left = $deadline - time();
        return undef if $left <= 0;
        next unless $sel->can_read($left);
        my $n = sysread($s, $self->{buf}, 262144, length $self->{buf});
        $self->{eof} = 1 if !$n;
    }
}

sub read_all {
    my ($self, %o) = @_;
    my $s = $self->{sock} or return '';
    $self->{eof} ||= Hive::Test::_read_until_eof($s, \$self->{buf},
        time() + ($o{timeout} // 5));
    my $data = $self->{buf};
    $self->{buf} = '';
    return $data;
}

sub is_closed {
    my ($self, $timeout) = @_;
    my $s = $self->{sock} or return 1;
    $self->{eof} ||= Hive::Test::_read_until_eof($s, \$self->{buf},
        time() + ($timeout // 2));
    return $self->{eof};
}

sub buffer { $_[0]{buf} }

sub close {
    my ($self) = @_;
    CORE::close($self->{sock}) if $self->{sock};
    delete $self->{sock};
}

1;

__END__

=head1 NAME

Hive::Test - run the installed hive binary and speak HTTP to it

=head1 SYNOPSIS

    use Test::More;
    use Hive::Test qw(parse_response);

    my $t = Hive::Test->new;
    $t->write_config($t->config_prelude . <<'EOF');
    events { }
    http {
        server {
            listen 127.0.0.1:%%PORT_A%%;
            location /pid { echo_pid; }
        }
    }
    EOF
    $t->run;
    my $r = parse_response($t->http_get('/pid'));
    is($r->{status}, 200, 'pid answers');
    $t->check_error_log_clean;    # stops the server first
    done_testing;

Run with C<prove -I tests/lib tests/integration/>; C<make test> sets
C<HIVE_BIN>, C<HIVE_INSTALL_ROOT> and C<HIVE_SRC>.  Without C<HIVE_BIN> the
binary is C<$HIVE_SRC/objs/hive> (or C<./objs/hive>).  C<HIVE_TEST_LEAVE=1>
keeps the temporary directory and prints its path.

=head1 THE TEST DIRECTORY

C<new(%opts)> makes a temporary directory with C<logs/>, C<html/> and
C<conf/> (plus C<conf/mime.types> from the install root, or from the source
tree when C<HIVE_INSTALL_ROOT> is unset).  Options: C<config> (text passed to
C<write_config>), C<bin> (another binary).  Accessors: C<testdir>, C<bin>,
C<install_root>.

=over

=item write_file($rel, $content), read_file($rel)

Paths are relative to the test directory (absolute paths are used as
given); C<write_file> makes the directories and writes bytes unchanged.
C<read_file> returns undef for a missing file.

=item write_lines_file($rel, $size)

Writes C<$size> bytes (a multiple of 8) of numbered lines, so that a lost
or misplaced piece of a download shows, and returns their MD5 in hex.

=item port($name)

A free loopback port, the same for the same name.  Config placeholders
C<%%PORT_name%%> use it.  The first name used is the default port of the
HTTP helpers and the port C<run> waits for.

=item subst($text), write_config($text), config_prelude

C<subst> replaces C<%%PORT_name%%> and C<%%TESTDIR%%> (no trailing slash).
C<write_config> writes C<conf/hive.conf> after C<subst>.  C<config_prelude>
is C<daemon on; pid logs/hive.pid; error_log logs/error.log info;>.

=item minimal_config($http_text, %opts)

Returns a whole configuration: C<config_prelude>, C<main> (more
main-context text), C<worker_processes> C<workers> (1), an C<events>
block with C<worker_connections> C<connections> (128), and
C<http { ... }> around C<$http_text> (servers and http-level
directives), with C<access_log off;> first when C<access_log =E<gt> 0>.
Pass it to C<write_config>, which fills the port placeholders.

=item make_cert($name, %opts)

Makes a self-signed certificate C<NAME.pem> and its key C<NAME.key> with
C<openssl req> in C<dir> (the test's C<conf/>), and returns both paths.
Options: C<cn> (C<localhost>), C<type> (C<ec>, an ECDSA P-256 key, or
C<rsa>, RSA 2048).  Dies when openssl fails.  Without an object
(C<Hive::Test::make_cert(undef, $name, dir =E<gt> $dir)>) C<dir> is
required.

=item openssl(@args)

Runs the C<openssl> command with these arguments, its output thrown
away, and dies when it fails (C<dhparam>, C<genpkey>, ...).  A plain
function, exported on request: C<use Hive::Test qw(openssl);>.

=back

=head1 PROCESSES

=over

=item std_args

C<(-p DIR/ -c DIR/conf/hive.conf -e DIR/logs/error.log)>.

=item run(@args), run(\%opts, @args)

Starts C<hive std_args @args>, waits (10 s) for C<logs/hive.pid> to name a
live process and for the default port to be listening (read from
F</proc/net/tcp>, so no probe connection reaches hive), and returns
that pid.  Dies with the tail of the error log when hive exits non-zero or
is not ready in time.  Options: C<port> (which port to wait for; 0 for
none), C<timeout>.  Works with C<daemon on> and C<daemon off>.  Output
hive writes to stdout/stderr before it daemonizes goes to C<hive.out> in
the test directory.

=item run_cmd(@args)

Runs the binary with exactly these args (add C<< $t->std_args >> yourself),
waiting 20 s at most, and returns C<(exit_code, stdout_and_stderr)>.  The
code is 128+N for a signal N, -1 for a timeout.

=item master_pid, read_pid_file($rel), worker_pids, wait_workers($n, $timeout)

C<master_pid> is the pid C<run> returned.  C<read_pid_file> reads
C<logs/hive.pid> (or C<$rel>, e.g. C<logs/hive.pid.oldbin>) and returns
the pid in it, or undef.  C<worker_pids> lists the live
children of the master (sorted), from F</proc>.  C<wait_workers> waits (10 s
by default) until there are exactly C<$n> and returns the last list seen,
whether or not it reached C<$n>.  C<cmdline($pid)> returns a process's
command line (its title), spaces for NULs.

=item fd_count($pid), rss_kb($pid)

How many descriptors C<$pid> has open (the entries of
F</proc/PID/fd>), and its resident size in kB (C<VmRSS> of
F</proc/PID/status>); -1 when the process is gone.

=item alive($pid)

True if C<$pid> exists and is not a zombie (C<kill 0> alone is true for a
zombie; an exited daemon stays one until init reaps it).  Callable as
C<< $t->alive($pid) >> or C<Hive::Test::alive($pid)>.

=item wait_until($cond, $timeout)

Calls C<$cond> every 50 ms until it returns true (then returns 1) or
C<$timeout> seconds pass (then 0).  Callable as a method or as
C<Hive::Test::wait_until(sub { ... }, 5)>.

=item signal($sig)

Sends C<$sig> (name or number) to the master.

=item stop(%opts)

Sends TERM (or C<signal =E<gt> 'QUIT'>) to the master and waits
(C<timeout>, 10 s) for it to exit, then SIGKILLs whatever is left of the
master and the workers this object has seen.  Returns true when the master
exited in time.  Called on destruction and at END too; never kills by name.

=back

=head1 LOGS

=over

=item error_log, log_offset

The text of C<logs/error.log>; its current size, to pass to
C<wait_for_log> so that only newer lines count.

=item wait_for_log($regex, $timeout, $offset)

Polls the error log (5 s by default) and returns the first line matching,
or undef.

=item check_error_log_clean(%opts)

Stops the server (unless C<keep_running>), then runs one C<ok> asserting
that C<logs/error.log> and C<hive.out> hold no C<[alert]>, C<[crit]> or
sanitizer line, with the offending lines as diagnostics.  Options: C<allow>
(a regex of lines to accept), C<files> (more files to check), C<name>.

=back

=head1 HTTP

Options common to the helpers: C<port> (a name given to C<port>, or a
number; default the first port), C<timeout> (5 s).

=over

=item http($raw, %opts)

Connects, writes C<$raw> (with C<split =E<gt> [n1, n2, ...]> in pieces of
those sizes, C<sleep> seconds apart, 0.1 by default, the rest last), reads
until EOF or the timeout and returns what it read (undef when the
connection fails).

=item http_get($path, %opts), http_head($path, %opts)

C<GET $path HTTP/1.0> with C<Host: localhost>; with C<version =E<gt> '1.1'>
an HTTP/1.1 request with C<Connection: close>.  Options: C<method>,
C<host>, C<headers> (an array of C<"Name: value"> lines).  Returns the raw
response.

=item read_some($sock, $max, $timeout)

A plain function (exported on request): reads from an open socket until
C<$max> bytes, EOF or C<$timeout> seconds, and returns what it read; for a
download read in parts around a signal or a restart.

=item connect(%opts)

A persistent connection (undef on failure), with C<send($bytes)>,
C<read_response(timeout =E<gt> 5, method =E<gt> 'HEAD')> (one parsed
response, or undef on timeout or EOF), C<read_all(timeout =E<gt> 5)> (raw
bytes until EOF), C<is_closed($timeout)> (true once the peer closed; 2 s by
default; data read meanwhile stays in C<buffer>), C<buffer> and C<close>.

=back

=head1 LOAD

A bounded client load for fault tests: forked children that issue
requests while the test kills, reloads or starves the server, and report
what every request met.

=over

=item load_start(%opts)

Forks C<clients> (4) children that send C<GET path HTTP/1.1> (C</pid>)
for C<duration> seconds (5) at most, C<pause> seconds (0.005) apart.  Even
children keep each connection for C<keepalive> requests (10; the last
asks C<Connection: close>), odd ones open a fresh connection per request.
A response is C<ok> when it is a complete 200 whose body matches
C<expect> (default: the C<echo_pid> body; its C<$1> is recorded as the
serving pid).  Other options: C<port>, C<timeout> (5 s per request),
C<retry> (1): a request on a reused connection that the server closed
before any byte of the response (the keep-alive close race that RFC 9112
section 9.3.1 lets clients retry) is sent again on a new connection, as
browsers do, and counted as C<retried>, not as a failure; 0 counts it as
a C<reset>.  Returns a handle for C<load_stop>.

=item load_stop($handle, wait =E<gt> 1)

Stops the children (TERM; with C<wait>, lets them run their C<duration>
out), reaps them (bounded) and returns C<{ ok, refused, reset, timeout,
bad, retried, failed, pids, events, failures, lost_children }>: counts by
kind
(C<refused>: the connect failed; C<reset>: EOF or a reset on an open
connection before a complete response; C<timeout>; C<bad>: a wrong
status or body), C<pids> maps each serving pid to its C<ok> count, and
C<events> (every request, by time) and C<failures> (the others) hold C<{
time, kind, reused, pid, opened, error }>: C<reused> is how many
responses the connection had carried before, C<pid> the worker that
served it (for a failure: the worker that served it before, or undef),
C<opened> when it was connected.

=item load_report($result, $max)

A summary line and one line per failure (the first C<$max>, 20), for
C<diag>.

=back

=head1 PARSING

=over

=item parse_response($raw, method =E<gt> 'HEAD')

Returns C<{ status, reason, version, headers, header_list, body, raw, rest
}>: C<headers> maps lower-case names to values (repeats joined with
C<", ">), C<header_list> holds C<[name, value]> pairs in order, C<body> is
framed by Content-Length or decoded from chunked (then C<chunked>,
C<chunk_sizes> and C<trailers> are set), C<rest> is what follows the
response.  C<incomplete> marks a short body; C<error> a response that
could not be parsed (C<status> undef).  Always returns a hash reference.

=item parse_responses($raw, methods =E<gt> [...])

A list of responses parsed one after another (pipelining); C<methods>
names the request methods in order so that HEAD responses get no body.

=back

=cut
