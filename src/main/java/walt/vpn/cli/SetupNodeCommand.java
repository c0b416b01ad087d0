package walt.vpn.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import walt.vpn.disk.BlockDevice;
import walt.vpn.disk.DeviceCheck;
import walt.vpn.image.NodeBaseCache;
import walt.vpn.image.Progress;
import walt.vpn.image.SiteImage;
import walt.vpn.image.output.ImageFormat;
import walt.vpn.image.output.ReleaseOutputs;
import walt.vpn.server.ServerInit;
import walt.vpn.server.ServerPaths;
import walt.vpn.ssh.HostKeyFiles;
import walt.vpn.ssh.LocalHostName;
import walt.vpn.ssh.NextHop;
import walt.vpn.ssh.SshPublicKey;
import walt.vpn.template.BootstrapKey;
import walt.vpn.template.SiteConfig;
import walt.vpn.template.SiteFiles;
import walt.vpn.template.SiteHop;
import walt.vpn.template.VmSettings;
import walt.vpn.tree.Timestamp;

@Command(name = "setup-node", mixinStandardHelpOptions = true,
        description = {"Write the SD card image of VPN nodes (rpi3bp-vpn.img in the current folder). The image may be",
            "flashed on any number of boards, as long as the VPN entrypoint stays the same. Only the boot partition's",
            "walt-vpn/ folder holds the site: the root filesystem comes from a base built once from the default recipe.",
            "Beside the image, with --format, --bmap and --checksums: its compressed copies, block map, SHA-256 list and",
            "Raspberry Pi Imager entry, as build writes them."})
final class SetupNodeCommand implements Callable<Integer> {

    @Option(names = "--entrypoint", paramLabel = "HOST[:PORT]",
            description = "The proxy nodes connect to first (asked for when not given); the server's own address makes it the entrypoint.")
    String entrypoint;

    @Option(names = "--proxy", paramLabel = "HOST[:PORT]",
            description = "A further proxy after the entrypoint, in chain order (repeatable), as the previous proxy reaches it.")
    List<String> proxies = new ArrayList<>();

    @Option(names = "--server", paramLabel = "HOST[:PORT]",
            description = "The WalT server as the last proxy reaches it, exactly as in that proxy's setup-proxy --next (default: `hostname -f`).")
    String server;

    @Option(names = "--host-keys", paramLabel = "HOST[:PORT]=FILE",
            description = "Host keys to pin for a proxy: setup-proxy's output ('host-key:' lines), a .pub file or known_hosts lines (repeatable).")
    Map<String, Path> hostKeyFiles = new LinkedHashMap<>();

    @Option(names = "--server-host-keys", paramLabel = "DIR",
            description = "The server's ssh_host_*_key.pub to pin (default: ${DEFAULT-VALUE}).")
    Path serverHostKeys = HostKeyFiles.DEFAULT_DIR;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Server state with ca.pub and the bootstrap key; made here with only those keys when absent (default: ${DEFAULT-VALUE}).")
    Path stateDir = Path.of("/var/lib/walt/vpn");

    @Option(names = "--base", paramLabel = "IMAGE", description = "Node base image to use instead of the cached one built from --recipe.")
    Path base;

    @Option(names = "--recipe", paramLabel = "FILE", description = "Recipe of the node base (default: image-recipes/rpi3bp-vpn-node.yaml of walt-vpn).")
    Path recipe;

    @Option(names = "--cache", paramLabel = "DIR", description = "Download and base image cache (default: $XDG_CACHE_HOME/walt-vpn or ~/.cache/walt-vpn).")
    Path cache;

    @Option(names = "--offline", description = "Build the base from the cache only: no network.")
    boolean offline;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "The raw image (default: ${DEFAULT-VALUE}).")
    Path output = Path.of("rpi3bp-vpn.img");

    @Option(names = "--format", split = ",", paramLabel = "raw|zst|xz", description = "Also write these (default: raw only).")
    List<ImageFormat> formats = List.of(ImageFormat.raw);

    @Option(names = "--bmap", description = "Also write a block map for bmaptool copy.")
    boolean bmap;

    @Option(names = "--checksums", description = {"Also write NAME.sha256 of every file written and NAME.json for Raspberry Pi",
        "Imager, as build does (a read of the whole image: seconds, where the image itself takes less than one)."})
    boolean checksums;

    @Option(names = "--vm-memory", paramLabel = "MiB", description = "The WalT node VM's memory (default: ${DEFAULT-VALUE}).")
    int vmMemory = VmSettings.DEFAULT.memoryMiB();

    @Option(names = "--vm-cpus", paramLabel = "N", description = "The WalT node VM's CPUs (default: ${DEFAULT-VALUE}).")
    int vmCpus = VmSettings.DEFAULT.cpus();

    @Option(names = "--yes", description = {"Answer yes to questions: pin the host keys found by scanning a proxy without --host-keys,",
        "write to --device without asking."})
    boolean yes;

    @Option(names = "--device", paramLabel = "DEV", description = {"Also write the image to this SD card (e.g. /dev/sdb) and read it back:",
        "only its mapped blocks, as bmaptool copy, so the card's old bytes stay in the image's free space. Refused when",
        "the card or a partition of it is mounted; asks first unless --yes. The card is written while the image is made;",
        "the image file (-o) is kept."})
    Path device;

    @Option(names = "--force", description = "Write to --device even though the kernel does not call it removable (some card readers).")
    boolean force;

    @Override
    public Integer call() throws Exception {
        if (force && device == null) {
            throw new IllegalArgumentException("--force is for --device");
        }
        NextHop serverAddress = NextHop.parse(server != null ? server : LocalHostName.fullyQualified());
        NextHop entry = NextHop.parse(entrypoint != null ? entrypoint : ask("VPN entrypoint (HOST[:PORT]): "));
        Path image = output.toAbsolutePath();
        Path cacheRoot = cache != null ? cache : BuildCommand.defaultCache();
        NodeBaseCache bases = new NodeBaseCache(cacheRoot);
        Path recipeFile = base != null ? null
                : recipe != null ? recipe : ProjectHome.find().resolve("image-recipes/rpi3bp-vpn-node.yaml");
        // The copy of the base is nearly all the work. It starts at once from the only cached
        // base of the recipe's name, while the recipe is read and its key worked out (a wrong
        // guess is dropped), and goes on while the site is read and rendered. A base still to
        // be built comes after them, so that bad input fails at once.
        Path guess = recipeFile != null ? bases.soleCachedGuess(recipeFile) : null;
        SiteImage siteImage = guess != null ? SiteImage.copyOf(guess, image) : null;
        BlockDevice card = null;
        SiteConfig site;
        CardWrite cardWrite = null;
        Progress progress = Progress.onTerminal();
        String cardLine = null;
        try {
            NodeBaseCache.Entry nodeBase = recipeFile == null ? null : bases.entry(recipeFile);
            Path ready = base != null ? base : nodeBase.cached() ? nodeBase.image() : null;
            if (siteImage != null && !siteImage.base().equals(ready)) {
                siteImage.close();
                siteImage = null;
            }
            // The card is checked before any other work too, so that a wrong device fails at
            // once: the image is the base's size. Without a terminal to ask on, --yes is needed.
            if (device != null) {
                card = BlockDevice.of(device);
                DeviceCheck.check(card, ready != null ? Files.size(ready) : 0, force);
                // Asked now: the card is written while the image is made.
                DeviceCheck.confirm(card, image, yes, System.console());
            }
            if (siteImage == null && ready != null) {
                siteImage = SiteImage.copyOf(ready, image);
            }
            site = siteConfig(serverAddress, entry);
            Map<String, byte[]> files = SiteFiles.render(site);
            if (siteImage == null) {
                System.err.println(CommandTree.rootName() + ": building the node base image from " + nodeBase.recipe().source() + " (once; it is cached)");
                siteImage = SiteImage.copyOf(bases.obtain(nodeBase, cacheRoot, offline, SourceDateEpoch.fromEnvironment(),
                        progress), image);
            }
            if (card != null) {
                cardWrite = CardWrite.start(card, siteImage, force, progress);
            }
            siteImage.complete(SiteFiles.FOLDER, files);
            if (cardWrite != null) {
                cardLine = cardWrite.finish(image, siteImage.dataRanges());
            }
        } finally {
            if (cardWrite != null) {
                cardWrite.close();
            }
            if (siteImage != null) {
                siteImage.close();
            }
        }
        int proxyCount = site.proxies().size();
        String siteLine = "entrypoint " + site.entrypoint().address() + ", server " + serverAddress + ", "
                + proxyCount + " prox" + (proxyCount == 1 ? "y" : "ies");
        String description = "WalT VPN node: " + siteLine;
        Timestamp epoch = SourceDateEpoch.fromEnvironment();
        ReleaseOutputs.Request release = new ReleaseOutputs.Request(formats, bmap, checksums, ReleaseOutputs.baseName(image), description,
                epoch != null ? epoch : Timestamp.of(java.time.Instant.now()));
        List<ReleaseOutputs.Released> written = ReleaseOutputs.write(image, release, (name, total, bytes, work) -> {
            try (Progress.Bar bar = progress.bar(name, total, bytes ? Progress.Unit.BYTES : Progress.Unit.FILES)) {
                work.run(bar::advance);
            }
        });
        for (ReleaseOutputs.Released p : written) {
            System.out.println("wrote " + p.file() + (p.sha256() != null ? "  sha256 " + p.sha256() : ""));
        }
        if (cardLine != null) {
            System.out.println(cardLine);
        }
        Path bmapFile = image.resolveSibling(ReleaseOutputs.baseName(image) + ".bmap");
        System.out.println(siteLine);
        if (card == null) {
            System.out.println("flash it with:  dd if=" + image.getFileName() + " of=/dev/sdX bs=4M conv=fsync"
                + (bmap ? "   or:  bmaptool copy --bmap " + bmapFile.getFileName() + " " + image.getFileName() + " /dev/sdX" : ""));
        }
        System.out.println("then run `" + CommandTree.spoken("vpn monitor") + "` to accept each node as it asks to join.");
        return 0;
    }

    /** The site from the command line and the server state: every value checked here. */
    private SiteConfig siteConfig(NextHop serverAddress, NextHop entry) throws IOException {
        List<NextHop> chain = new ArrayList<>();
        if (!entry.equals(serverAddress)) {
            chain.add(entry);
        }
        for (String p : proxies) {
            chain.add(NextHop.parse(p));
        }
        Map<NextHop, Path> keyFiles = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : hostKeyFiles.entrySet()) {
            keyFiles.put(NextHop.parse(e.getKey()), e.getValue());
        }
        for (NextHop h : keyFiles.keySet()) {
            if (!chain.contains(h)) {
                throw new IllegalArgumentException("--host-keys names " + h + ", which is not a proxy of the chain");
            }
        }
        List<SiteHop> hops = new ArrayList<>();
        for (NextHop h : chain) {
            hops.add(new SiteHop(h, keyFiles.containsKey(h) ? PinnedKeys.read(keyFiles.get(h)) : PinnedKeys.scan(h, yes)));
        }
        SiteHop serverHop = new SiteHop(serverAddress, HostKeyFiles.read(serverHostKeys));
        ServerKeys keys = ServerKeys.obtain(stateDir);
        return new SiteConfig(hops, serverHop, keys.bootstrap(), keys.ca(), new VmSettings(vmMemory, vmCpus));
    }

    private static String ask(String prompt) throws IOException {
        if (System.console() == null) {
            throw new IllegalArgumentException("give the VPN entrypoint with --entrypoint HOST[:PORT]");
        }
        System.err.print(prompt);
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (line == null || line.isBlank()) {
            throw new IllegalArgumentException("no VPN entrypoint given");
        }
        return line.strip();
    }

    /** The CA public key and the bootstrap key pair, made in the state folder (and nothing else) when absent. */
    record ServerKeys(SshPublicKey ca, BootstrapKey bootstrap) {
        static ServerKeys obtain(Path stateDir) throws IOException {
            ServerPaths paths = ServerPaths.defaults(stateDir.toAbsolutePath().normalize());
            if (!Files.exists(paths.caKey()) || !Files.exists(paths.bootstrapKey())) {
                if (ServerInit.ensureKeys(paths).any()) {
                    System.err.println(CommandTree.rootName() + ": no VPN server state yet: made the CA and bootstrap keys in " + stateDir
                            + " (nothing else was changed; `" + CommandTree.spoken("vpn-server init") + "` completes the server)");
                }
            }
            return new ServerKeys(SshPublicKey.read(paths.caPub()),
                    new BootstrapKey(Files.readString(paths.bootstrapKey(), StandardCharsets.US_ASCII)));
        }
    }
}
