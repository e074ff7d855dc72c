// AlluxioProbe: drives Alluxio's own 313 Java client classes (fetched by
// ci/alluxio-java.sh, never committed) so that the tests can check our ring,
// membership and worker against Alluxio's code rather than against our
// reading of it. Compiled at test time with javac; see tests/cluster/README.md.
//
//   ring [--vnodes N] [--replicas R] --worker ID... (--key K... | --keys-stdin)
//       For each key, the workers Alluxio's ConsistentHashProvider picks, in
//       preference order: "key<TAB>uuid,uuid,...". An ID is a UUID, or a
//       hostname (STATIC membership: its name-based UUID).
//   identity HOST...
//       The STATIC-membership worker identity of each hostname.
//   members --etcd ENDPOINTS [--cluster NAME] [--all]
//       What Alluxio's EtcdMembershipManager sees, a line per worker:
//       "uuid host rpc-port data-port netty-data-port web-port http-port state".
//   join --etcd ENDPOINTS [--cluster NAME] --host H [--rpc-port P] [--data-port P]
//        [--http-port P] [--id UUID] [--hold SECONDS]
//       Registers a worker the way an Alluxio worker does (EtcdMembershipManager.join),
//       prints "joined <uuid>", and keeps the lease for SECONDS (default 30).
//   key [--ufs-root URI] PATH...
//       The full UFS URI that DoraCacheFileSystem puts on the wire and hashes.
//   ls|stat|cat|pread|exists|put|mkdir|chmod|rm|mv ... with
//       (--workers-file FILE | --etcd ENDPOINTS) [--cluster NAME]
//       [--ufs-root URI] [--rpc-port P] [--data-port P]
//       File system operations through Alluxio's DoraCacheFileSystem against
//       the given workers: ls PATH, stat PATH, cat PATH... (their bytes to
//       stdout, in turn), pread PATH OFFSET LENGTH (openPositionRead),
//       exists PATH (true/false), put LOCAL PATH, mkdir PATH (with parents),
//       chmod OCTAL-MODE PATH, rm [-r] PATH, mv SRC DST.
//
// Common: --conf key=value (any Alluxio property; repeatable), --debug
// (Alluxio's client log at DEBUG on stderr). Exit 0 on success, 1 on an
// operation failure (message on stderr), 2 on a usage error.
//
// Alluxio properties are set as JVM system properties before any Alluxio
// class is loaded: Alluxio reads its global configuration from them, and
// parts of the client (Netty, STATIC membership) read only the global one.

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

public final class AlluxioProbe {
  private static final class UsageError extends Exception {
    UsageError(String message) {
      super(message);
    }
  }

  // Parsed command line: the subcommand, its positional arguments and options.
  private static final class Args {
    String command;
    final List<String> positional = new ArrayList<>();
    final List<String> workers = new ArrayList<>();
    final List<String> keys = new ArrayList<>();
    final List<String> conf = new ArrayList<>();
    boolean keysStdin;
    boolean debug;
    boolean recursive;
    boolean all;
    int vnodes = 5;
    int replicas = 1;
    String etcd;
    String cluster = "DefaultAlluxioCluster";
    String workersFile;
    String ufsRoot = "file:///";
    String host;
    String id;
    int rpcPort = 29999;
    int dataPort = 29997;
    int httpPort = 28080;
    int holdSeconds = 30;
  }

  public static void main(String[] argv) {
    int rc;
    try {
      Args a = parse(argv);
      configure(a);
      rc = run(a);
    } catch (UsageError e) {
      System.err.println("AlluxioProbe: " + e.getMessage());
      rc = 2;
    } catch (Throwable t) {
      System.err.println("AlluxioProbe: " + t);
      for (Throwable c = t.getCause(); c != null; c = c.getCause()) {
        System.err.println("  caused by: " + c);
      }
      rc = 1;
    }
    System.out.flush();
    // Alluxio's client leaves non-daemon threads (Netty, gRPC) behind.
    Runtime.getRuntime().halt(rc);
  }

  private static int intValue(String option, String v) throws UsageError {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new UsageError(option + " needs a number, not " + v);
    }
  }

  private static Args parse(String[] argv) throws UsageError {
    if (argv.length == 0) throw new UsageError("usage: AlluxioProbe COMMAND [options] (see the source)");
    Args a = new Args();
    a.command = argv[0];
    List<String> list = null;  // the multi-valued option being filled
    for (int i = 1; i < argv.length; i++) {
      String s = argv[i];
      if (s.startsWith("--")) list = null;
      switch (s) {
        case "--worker": list = a.workers; continue;
        case "--key": list = a.keys; continue;
        case "--keys-stdin": a.keysStdin = true; continue;
        case "--debug": a.debug = true; continue;
        case "--all": a.all = true; continue;
        case "-r": a.recursive = true; continue;
        default: break;
      }
      if (s.startsWith("--")) {
        if (i + 1 >= argv.length) throw new UsageError(s + " needs a value");
        String v = argv[++i];
        switch (s) {
          case "--vnodes": a.vnodes = intValue(s, v); break;
          case "--replicas": a.replicas = intValue(s, v); break;
          case "--etcd": a.etcd = v; break;
          case "--cluster": a.cluster = v; break;
          case "--workers-file": a.workersFile = v; break;
          case "--ufs-root": a.ufsRoot = v; break;
          case "--host": a.host = v; break;
          case "--id": a.id = v; break;
          case "--rpc-port": a.rpcPort = intValue(s, v); break;
          case "--data-port": a.dataPort = intValue(s, v); break;
          case "--http-port": a.httpPort = intValue(s, v); break;
          case "--hold": a.holdSeconds = intValue(s, v); break;
          case "--conf": a.conf.add(v); break;
          default: throw new UsageError("unknown option " + s);
        }
        continue;
      }
      if (list != null) {
        list.add(s);
      } else {
        a.positional.add(s);
      }
    }
    return a;
  }

  // Alluxio properties as system properties; must run before any Alluxio class loads.
  private static void configure(Args a) throws UsageError {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", a.debug ? "debug" : "warn");
    System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    set("alluxio.dora.enabled", "true");
    set("alluxio.dora.client.ufs.root", a.ufsRoot);
    // No master: membership from a file or etcd, never from a block master.
    set("alluxio.user.conf.cluster.default.enabled", "false");
    set("alluxio.user.metrics.collection.enabled", "false");
    // The client's own UFS is a stub (see stubUfs): never fall back to it.
    set("alluxio.dora.client.ufs.fallback.enabled", "false");
    set("alluxio.client.write.to.ufs.enabled", "false");
    set("alluxio.user.consistent.hash.virtual.node.count.per.worker", Integer.toString(a.vnodes));
    set("alluxio.worker.rpc.port", Integer.toString(a.rpcPort));
    set("alluxio.worker.data.port", Integer.toString(a.dataPort));
    set("alluxio.worker.http.server.port", Integer.toString(a.httpPort));
    set("alluxio.cluster.name", a.cluster);
    if (a.etcd != null) {
      set("alluxio.worker.membership.manager.type", "ETCD");
      set("alluxio.etcd.endpoints", a.etcd);
    } else if (a.workersFile != null) {
      set("alluxio.worker.membership.manager.type", "STATIC");
      set("alluxio.worker.static.membership.manager.config.file", a.workersFile);
    }
    for (String kv : a.conf) {
      int eq = kv.indexOf('=');
      if (eq <= 0) throw new UsageError("--conf needs key=value, not " + kv);
      set(kv.substring(0, eq), kv.substring(eq + 1));
    }
  }

  private static void set(String key, String value) {
    System.setProperty(key, value);
  }

  private static int run(Args a) throws Exception {
    switch (a.command) {
      case "ring": return Ring.run(a);
      case "identity": return Ring.identity(a);
      case "members": return Members.list(a);
      case "join": return Members.join(a);
      case "key": return Fs.key(a);
      case "ls": case "stat": case "cat": case "put": case "mkdir": case "rm": case "mv":
      case "pread": case "exists": case "chmod":
        return Fs.run(a);
      default: throw new UsageError("unknown command " + a.command);
    }
  }

  // The STATIC-membership identity of a hostname, or a UUID as given.
  static UUID workerUuid(String idOrHost) {
    try {
      return UUID.fromString(idOrHost);
    } catch (IllegalArgumentException e) {
      return UUID.nameUUIDFromBytes(idOrHost.getBytes(StandardCharsets.UTF_8));
    }
  }

  // Alluxio classes are touched only from here on (after configure).
  private static final class Ring {
    static int run(Args a) throws Exception {
      if (a.workers.isEmpty()) throw new UsageError("ring needs --worker ID...");
      List<String> keys = new ArrayList<>(a.keys);
      if (a.keysStdin) {
        try (java.io.BufferedReader r = new java.io.BufferedReader(
                 new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null;) keys.add(line);
        }
      }
      Set<alluxio.wire.WorkerIdentity> ids = new LinkedHashSet<>();
      for (String w : a.workers) {
        ids.add(alluxio.wire.WorkerIdentity.ParserV1.INSTANCE.fromUUID(workerUuid(w)));
      }
      alluxio.client.file.dora.ConsistentHashProvider ring =
          new alluxio.client.file.dora.ConsistentHashProvider(100, 1000L, a.vnodes);
      ring.refresh(ids);
      PrintStream out = System.out;
      for (String k : keys) {
        StringBuilder line = new StringBuilder(k).append('\t');
        boolean first = true;
        for (alluxio.wire.WorkerIdentity id : ring.getMultiple(k, a.replicas)) {
          if (!first) line.append(',');
          first = false;
          line.append(alluxio.wire.WorkerIdentity.ParserV1.INSTANCE.toUUID(id));
        }
        out.println(line);
      }
      return 0;
    }

    static int identity(Args a) throws UsageError {
      if (a.positional.isEmpty()) throw new UsageError("identity needs HOST...");
      for (String h : a.positional) {
        alluxio.wire.WorkerIdentity id = alluxio.wire.WorkerIdentity.ParserV1.INSTANCE.fromUUID(
            UUID.nameUUIDFromBytes(h.getBytes(StandardCharsets.UTF_8)));
        System.out.println(h + "\t" + alluxio.wire.WorkerIdentity.ParserV1.INSTANCE.toUUID(id));
      }
      return 0;
    }
  }

  private static final class Members {
    static int list(Args a) throws Exception {
      if (a.etcd == null) throw new UsageError("members needs --etcd ENDPOINTS");
      alluxio.membership.MembershipManager m =
          alluxio.membership.MembershipManager.Factory.create(alluxio.conf.Configuration.global());
      alluxio.membership.WorkerClusterView view = a.all ? m.getAllMembers() : m.getLiveMembers();
      List<String> lines = new ArrayList<>();
      for (alluxio.wire.WorkerInfo w : view) {
        alluxio.wire.WorkerNetAddress addr = w.getAddress();
        lines.add(alluxio.wire.WorkerIdentity.ParserV1.INSTANCE.toUUID(w.getIdentity()) + " "
            + addr.getHost() + " " + addr.getRpcPort() + " " + addr.getDataPort() + " "
            + addr.getNettyDataPort() + " " + addr.getWebPort() + " "
            + addr.getHttpServerPort() + " " + w.getState());
      }
      java.util.Collections.sort(lines);
      for (String l : lines) System.out.println(l);
      return 0;
    }

    static int join(Args a) throws Exception {
      if (a.etcd == null || a.host == null) throw new UsageError("join needs --etcd and --host");
      UUID uuid = a.id != null ? UUID.fromString(a.id)
                               : UUID.nameUUIDFromBytes(a.host.getBytes(StandardCharsets.UTF_8));
      alluxio.wire.WorkerNetAddress addr = new alluxio.wire.WorkerNetAddress()
          .setHost(a.host).setRpcPort(a.rpcPort).setDataPort(a.dataPort)
          .setNettyDataPort(a.dataPort).setHttpServerPort(a.httpPort);
      alluxio.wire.WorkerInfo info = new alluxio.wire.WorkerInfo()
          .setIdentity(alluxio.wire.WorkerIdentity.ParserV1.INSTANCE.fromUUID(uuid))
          .setAddress(addr);
      alluxio.membership.MembershipManager m =
          alluxio.membership.MembershipManager.Factory.create(alluxio.conf.Configuration.global());
      m.join(info);
      System.out.println("joined " + uuid);
      System.out.flush();
      Thread.sleep(a.holdSeconds * 1000L);
      return 0;
    }
  }

  private static final class Fs {
    static int key(Args a) throws Exception {
      alluxio.AlluxioURI root = new alluxio.AlluxioURI(a.ufsRoot);
      for (String p : a.positional) {
        System.out.println(p + "\t"
            + alluxio.util.io.PathUtils.convertAlluxioPathToUfsPath(new alluxio.AlluxioURI(p), root));
      }
      return 0;
    }

    // An UnderFileSystem that is never used: Maven Central has no 3xx
    // under-storage module, and the DORA client insists on building one for
    // its root (for fallback and client-side write-through, both off here).
    static alluxio.underfs.UnderFileSystem stubUfs() {
      return (alluxio.underfs.UnderFileSystem) Proxy.newProxyInstance(
          AlluxioProbe.class.getClassLoader(),
          new Class<?>[] {alluxio.underfs.UnderFileSystem.class}, (proxy, method, args) -> {
            switch (method.getName()) {
              case "close": return null;
              case "getUnderFSType": return "probe-stub";
              case "toString": return "probe-stub-ufs";
              case "hashCode": return System.identityHashCode(proxy);
              case "equals": return proxy == args[0];
              default:
                throw new UnsupportedOperationException(
                    "AlluxioProbe's stub UFS was asked to " + method.getName());
            }
          });
    }

    static alluxio.client.file.FileSystem open(Args a) throws UsageError {
      if (a.etcd == null && a.workersFile == null) {
        throw new UsageError(a.command + " needs --workers-file FILE or --etcd ENDPOINTS");
      }
      alluxio.conf.AlluxioConfiguration conf = alluxio.conf.Configuration.global();
      alluxio.client.file.FileSystemContext ctx = alluxio.client.file.FileSystemContext.create(conf);
      alluxio.underfs.UfsManager.UfsClient ufs = new alluxio.underfs.UfsManager.UfsClient(
          Fs::stubUfs, new alluxio.AlluxioURI(a.ufsRoot));
      alluxio.client.file.FileSystem base = new alluxio.client.file.ufs.UfsBaseFileSystem(
          ctx, new alluxio.client.file.options.UfsFileSystemOptions(a.ufsRoot), ufs);
      return new alluxio.client.file.DoraCacheFileSystem(base, ctx);
    }

    static String describe(alluxio.client.file.URIStatus s) {
      return (s.isFolder() ? "d" : "-") + " " + Integer.toOctalString(s.getMode()) + " "
          + s.getOwner() + " " + s.getGroup() + " " + s.getLength() + " "
          + s.getLastModificationTimeMs() + " " + s.getPath() + " " + s.getUfsPath()
          + (s.isCompleted() ? "" : " (incomplete)");
    }

    static void need(Args a, int n, String usage) throws UsageError {
      if (a.positional.size() != n) throw new UsageError("usage: " + usage);
    }

    static int run(Args a) throws Exception {
      alluxio.client.file.FileSystem fs = open(a);
      List<String> p = a.positional;
      switch (a.command) {
        case "ls": {
          need(a, 1, "ls PATH");
          List<String> lines = new ArrayList<>();
          for (alluxio.client.file.URIStatus s : fs.listStatus(new alluxio.AlluxioURI(p.get(0)))) {
            lines.add(describe(s));
          }
          java.util.Collections.sort(lines);
          for (String l : lines) System.out.println(l);
          return 0;
        }
        case "stat":
          need(a, 1, "stat PATH");
          System.out.println(describe(fs.getStatus(new alluxio.AlluxioURI(p.get(0)))));
          return 0;
        case "cat": {
          if (p.isEmpty()) throw new UsageError("usage: cat PATH...");
          byte[] buf = new byte[1 << 20];
          for (String path : p) {
            try (InputStream in = fs.openFile(new alluxio.AlluxioURI(path))) {
              for (int n; (n = in.read(buf)) > 0;) System.out.write(buf, 0, n);
            }
          }
          System.out.flush();
          return 0;
        }
        case "put": {
          need(a, 2, "put LOCAL PATH");
          byte[] data = Files.readAllBytes(Paths.get(p.get(0)));
          try (OutputStream out = fs.createFile(new alluxio.AlluxioURI(p.get(1)))) {
            out.write(data);
          }
          return 0;
        }
        case "mkdir":
          need(a, 1, "mkdir PATH");
          fs.createDirectory(new alluxio.AlluxioURI(p.get(0)),
              alluxio.grpc.CreateDirectoryPOptions.newBuilder().setRecursive(true).build());
          return 0;
        case "rm":
          need(a, 1, "rm [-r] PATH");
          fs.delete(new alluxio.AlluxioURI(p.get(0)),
              alluxio.grpc.DeletePOptions.newBuilder().setRecursive(a.recursive).build());
          return 0;
        case "pread": {
          need(a, 3, "pread PATH OFFSET LENGTH");
          long pos = Long.parseLong(p.get(1));
          int left = intValue("LENGTH", p.get(2));
          byte[] buf = new byte[1 << 20];
          try (alluxio.PositionReader r = fs.openPositionRead(new alluxio.AlluxioURI(p.get(0)))) {
            while (left > 0) {
              int n = r.read(pos, buf, Math.min(left, buf.length));
              if (n <= 0) break;
              System.out.write(buf, 0, n);
              pos += n;
              left -= n;
            }
          }
          System.out.flush();
          return 0;
        }
        case "exists":
          need(a, 1, "exists PATH");
          System.out.println(fs.exists(new alluxio.AlluxioURI(p.get(0))));
          return 0;
        case "chmod":
          need(a, 2, "chmod OCTAL-MODE PATH");
          fs.setAttribute(new alluxio.AlluxioURI(p.get(1)),
              alluxio.grpc.SetAttributePOptions.newBuilder()
                  .setMode(new alluxio.security.authorization.Mode(
                      (short) Integer.parseInt(p.get(0), 8)).toProto())
                  .build());
          return 0;
        case "mv":
          need(a, 2, "mv SRC DST");
          fs.rename(new alluxio.AlluxioURI(p.get(0)), new alluxio.AlluxioURI(p.get(1)));
          return 0;
        default:
          throw new UsageError("unknown command " + a.command);
      }
    }
  }
}
