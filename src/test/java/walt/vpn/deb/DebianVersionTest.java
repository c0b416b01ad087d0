package walt.vpn.deb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import walt.vpn.testing.Tools;
import walt.vpn.tree.InvalidDataException;

/** Our version order against dpkg's own, on random versions built to hit the corner cases. */
class DebianVersionTest {

    @TempDir
    Path dir;

    private static String randomPart(Random r, String alphabet, int max) {
        StringBuilder b = new StringBuilder();
        int n = 1 + r.nextInt(max);
        for (int i = 0; i < n; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    private static String randomVersion(Random r) {
        String up = r.nextInt(10) + randomPart(r, "0123456789..+~ab0z", 6);
        String v = (r.nextInt(4) == 0 ? r.nextInt(3) + ":" : "") + up;
        if (r.nextBoolean()) {
            v += "-" + randomPart(r, "0123456789.+~abz", 4);
        }
        return v;
    }

    @Test
    void ordersLikeDpkg() throws Exception {
        Tools.require("dpkg");
        Random r = new Random(12);
        List<String[]> pairs = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            String a = randomVersion(r);
            pairs.add(new String[] {a, r.nextInt(5) == 0 ? a : randomVersion(r)});
        }
        pairs.add(new String[] {"1.0~rc1", "1.0"});
        pairs.add(new String[] {"1.0", "1.0-0"});
        pairs.add(new String[] {"1:0.1", "2.0"});
        pairs.add(new String[] {"2.30-1", "2.3-1"});
        pairs.add(new String[] {"1.0a", "1.0+"});
        pairs.add(new String[] {"1.01", "1.1"});
        pairs.add(new String[] {"1.37.0-6+b9", "1.37.0-6"});
        // One dpkg process per pair would take long: one shell loop answers them all.
        StringBuilder script = new StringBuilder();
        for (String[] p : pairs) {
            script.append(p[0]).append(' ').append(p[1]).append('\n');
        }
        Path input = Files.writeString(dir.resolve("pairs"), script);
        Tools.Result res = Tools.run(List.of("sh", "-c", "while read a b; do if dpkg --compare-versions \"$a\" lt \"$b\"; then echo -1; "
                + "elif dpkg --compare-versions \"$a\" eq \"$b\"; then echo 0; else echo 1; fi; done < " + input), dir, 300);
        String[] answers = res.stdout().split("\n");
        assertEquals(pairs.size(), answers.length, res.all());
        for (int i = 0; i < pairs.size(); i++) {
            int ours = Integer.signum(DebianVersion.parse(pairs.get(i)[0]).compareTo(DebianVersion.parse(pairs.get(i)[1])));
            assertEquals(Integer.parseInt(answers[i]), ours, pairs.get(i)[0] + " vs " + pairs.get(i)[1]);
        }
    }

    @Test
    void badVersionsAreRefused() throws Exception {
        for (String bad : List.of("", "a1.0", "1.0-", "x:1.0", "1.0 2", "1:2:3:-")) {
            assertThrows(InvalidDataException.class, () -> DebianVersion.parse(bad), bad);
        }
        assertEquals("1:2.0-3", DebianVersion.parse("1:2.0-3").toString());
    }
}
