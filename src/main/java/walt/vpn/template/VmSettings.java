package walt.vpn.template;

import java.util.Map;

/** The WalT node VM the board runs: memory and CPUs, bounded by what a Pi 3 B+ has (1 GiB, 4 cores). */
public record VmSettings(int memoryMiB, int cpus) {

    public static final VmSettings DEFAULT = new VmSettings(512, 4);

    public VmSettings {
        if (memoryMiB < 64 || memoryMiB > 896) {
            throw new IllegalArgumentException("VM memory must be 64-896 MiB (the board has 1 GiB): " + memoryMiB);
        }
        if (cpus < 1 || cpus > 4) {
            throw new IllegalArgumentException("VM CPUs must be 1-4: " + cpus);
        }
    }

    Map<String, Object> model() {
        return Map.of("memory", memoryMiB, "cpus", cpus);
    }
}
