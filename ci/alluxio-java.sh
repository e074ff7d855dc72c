#!/usr/bin/env bash
# Fetches Alluxio's own 313 (DORA) Java client, alluxio-core-client-fs with
# alluxio-core-common and alluxio-core-transport and every runtime
# dependency, from Maven Central into a cache outside the repository, and
# prints the path of a file holding the classpath (one line, ':'-separated).
# The tests compile tests/cluster/java/AlluxioProbe.java against it, to
# check our ring, membership and worker against Alluxio's own code.
#
# Quick and offline once cached: the classpath file is reused while every
# jar it names is still there. Needs java, javac and mvn (ci/install-deps.sh
# installs them). Nothing from Alluxio is ever committed.
#
# Maven Central has no 3xx alluxio-core-server-worker, alluxio-underfs-* or
# alluxio-shell (their last releases are 2.9.x), so no Alluxio 3 worker or
# shell can be run from there: see tests/cluster/README.md.
set -euo pipefail

version=${ALLUXIO_JAVA_VERSION:-313}
cache=${ALLUXIO_JAVA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/alluxio-posix/alluxio-$version}
cpfile=$cache/classpath.txt

cached() {
  [ -s "$cpfile" ] || return 1
  local jar jars
  IFS=: read -r -a jars < "$cpfile"
  for jar in "${jars[@]}"; do
    [ -f "$jar" ] || return 1
  done
}

mkdir -p "$cache"
# One fetch at a time (tests may run this in parallel).
exec 9> "$cache/.lock"
flock 9
if cached; then
  echo "$cpfile"
  exit 0
fi

for tool in java mvn; do
  command -v "$tool" > /dev/null 2>&1 || {
    echo "alluxio-java: $tool not found (ci/install-deps.sh installs it)" >&2
    exit 1
  }
done

cat > "$cache/pom.xml" << EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by alluxio-posix ci/alluxio-java.sh: only to resolve Alluxio's client jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>alluxio-posix</groupId>
  <artifactId>alluxio-java-fixture</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <!-- Alluxio's build pins gRPC 1.54.1; without the pin, jetcd's exact
       [1.51.0,1.51.0] ranges leave Maven 3.8 backtracking for many minutes
       (and Maven 3.9 failing with a version conflict). -->
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>io.grpc</groupId>
        <artifactId>grpc-bom</artifactId>
        <version>1.54.1</version>
        <type>pom</type>
        <scope>import</scope>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>org.alluxio</groupId>
      <artifactId>alluxio-core-client-fs</artifactId>
      <version>$version</version>
    </dependency>
    <!-- A logging backend, so that the client's debug log can be switched on. -->
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-simple</artifactId>
      <version>1.7.36</version>
    </dependency>
  </dependencies>
</project>
EOF

# Alluxio's parent pom names other repositories, unreachable from here and
# slow to fail: send every repository to Maven Central.
cat > "$cache/settings.xml" << 'EOF'
<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">
  <mirrors>
    <mirror>
      <id>central-only</id>
      <mirrorOf>*</mirrorOf>
      <url>https://repo.maven.apache.org/maven2</url>
    </mirror>
  </mirrors>
</settings>
EOF

echo "alluxio-java: resolving org.alluxio:alluxio-core-client-fs:$version into $cache/lib" >&2
rm -rf "$cache/lib.new"
mvn -B -q -Dstyle.color=never -s "$cache/settings.xml" -f "$cache/pom.xml" dependency:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$cache/lib.new" >&2
rm -rf "${cache:?}/lib"
mv "$cache/lib.new" "$cache/lib"
# Sorted, so that the classpath is the same from run to run.
find "$cache/lib" -maxdepth 1 -name '*.jar' | LC_ALL=C sort | paste -sd: > "$cpfile.new"
mv "$cpfile.new" "$cpfile"
cached || {
  echo "alluxio-java: the resolved classpath in $cpfile is incomplete" >&2
  exit 1
}
echo "alluxio-java: $(tr ':' '\n' < "$cpfile" | wc -l) jars" >&2
echo "$cpfile"
