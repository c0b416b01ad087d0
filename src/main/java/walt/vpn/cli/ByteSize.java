package walt.vpn.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;

/** Sizes on the command line: plain bytes or with a K/M/G/T suffix (powers of 1024). */
final class ByteSize implements ITypeConverter<Long> {

    @Override
    public Long convert(String value) {
        String v = value.trim().toUpperCase(Locale.ROOT).replaceAll("I?B$", "");
        long unit = 1;
        if (!v.isEmpty()) {
            switch (v.charAt(v.length() - 1)) {
                case 'K' -> unit = 1L << 10;
                case 'M' -> unit = 1L << 20;
                case 'G' -> unit = 1L << 30;
                case 'T' -> unit = 1L << 40;
                default -> unit = 1;
            }
        }
        String digits = unit == 1 ? v : v.substring(0, v.length() - 1);
        try {
            long n = Long.parseLong(digits);
            if (n <= 0 || n > Long.MAX_VALUE / unit) {
                throw new picocli.CommandLine.TypeConversionException("size out of range: " + value);
            }
            return n * unit;
        } catch (NumberFormatException e) {
            throw new picocli.CommandLine.TypeConversionException("not a size: '" + value + "' (bytes, or with K, M, G or T)");
        }
    }
}
