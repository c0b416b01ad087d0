package walt.vpn.server;

import walt.vpn.ssh.SshPublicKey;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The nodes and every certificate serial ever issued, in an embedded H2 database under the
 * state directory. Serials come from a sequence and are never reused, so a revoked serial in
 * the KRL can never hit a later certificate. Only the daemon opens it (H2 locks the file).
 */
public final class NodeRegistry implements AutoCloseable {

    private final Connection db;

    private NodeRegistry(Connection db) {
        this.db = db;
    }

    public static NodeRegistry open(Path dir) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("registry").toAbsolutePath()
                + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0", "walt", "");
        try (Statement s = c.createStatement()) {
            s.execute("CREATE SEQUENCE IF NOT EXISTS serials START WITH 1");
            s.execute("CREATE TABLE IF NOT EXISTS nodes (id INT PRIMARY KEY, mac VARCHAR(17) NOT NULL UNIQUE,"
                    + " key_type VARCHAR(64) NOT NULL, key_b64 VARCHAR(8192) NOT NULL, serial BIGINT NOT NULL,"
                    + " valid_before TIMESTAMP WITH TIME ZONE NOT NULL, state VARCHAR(16) NOT NULL,"
                    + " enrolled_at TIMESTAMP WITH TIME ZONE NOT NULL, last_seen TIMESTAMP WITH TIME ZONE,"
                    + " source VARCHAR(64) NOT NULL)");
            s.execute("CREATE TABLE IF NOT EXISTS certificates (serial BIGINT PRIMARY KEY, node_id INT NOT NULL,"
                    + " revoked BOOLEAN NOT NULL)");
        }
        return new NodeRegistry(c);
    }

    /** A fresh serial, never handed out before. */
    public synchronized long nextSerial() throws SQLException {
        long serial;
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("VALUES NEXT VALUE FOR serials")) {
            r.next();
            serial = r.getLong(1);
        }
        // A serial lost with the process (kill -9, power cut) could be handed out again, and
        // hit a revoked one in the KRL: on disk before it leaves here.
        sync();
        return serial;
    }

    /**
     * Writes and syncs what is committed. H2 otherwise writes commits in the background,
     * and a daemon killed within that delay (measured: a node accepted two seconds before a
     * kill -9) loses them.
     */
    private void sync() throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("CHECKPOINT SYNC");
        }
    }

    /** The id the node with this MAC has, or the next free one. */
    public synchronized int idFor(MacAddress mac) throws SQLException {
        Optional<NodeRecord> known = byMac(mac);
        if (known.isPresent()) {
            return known.get().id();
        }
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT COALESCE(MAX(id), 0) + 1 FROM nodes")) {
            r.next();
            return r.getInt(1);
        }
    }

    /**
     * Records a certificate just issued to node {@code id}. A node enrolling again (re-flashed
     * card, new key) keeps its id; its earlier certificates are revoked.
     */
    public synchronized NodeRecord recordEnrolment(int id, MacAddress mac, SshPublicKey key, long serial,
            Instant validBefore, Instant now, String source) throws SQLException {
        boolean auto = db.getAutoCommit();
        db.setAutoCommit(false);
        try {
            try (PreparedStatement p = db.prepareStatement("UPDATE certificates SET revoked = TRUE WHERE node_id = ?")) {
                p.setInt(1, id);
                p.executeUpdate();
            }
            try (PreparedStatement p = db.prepareStatement("INSERT INTO certificates VALUES (?, ?, FALSE)")) {
                p.setLong(1, serial);
                p.setInt(2, id);
                p.executeUpdate();
            }
            try (PreparedStatement p = db.prepareStatement("MERGE INTO nodes KEY (id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)")) {
                p.setInt(1, id);
                p.setString(2, mac.value());
                p.setString(3, key.type());
                p.setString(4, key.base64());
                p.setLong(5, serial);
                p.setTimestamp(6, Timestamp.from(validBefore));
                p.setString(7, NodeState.ACTIVE.name());
                p.setTimestamp(8, Timestamp.from(now));
                p.setString(9, source);
                p.executeUpdate();
            }
            db.commit();
            sync();
        } catch (SQLException e) {
            db.rollback();
            throw e;
        } finally {
            db.setAutoCommit(auto);
        }
        return byId(id).orElseThrow();
    }

    /** Marks the node and all its certificates revoked; false when it was not active. */
    public synchronized boolean revoke(int id) throws SQLException {
        try (PreparedStatement c = db.prepareStatement("UPDATE certificates SET revoked = TRUE WHERE node_id = ?");
                PreparedStatement n = db.prepareStatement("UPDATE nodes SET state = ? WHERE id = ? AND state = ?")) {
            c.setInt(1, id);
            c.executeUpdate();
            n.setString(1, NodeState.REVOKED.name());
            n.setInt(2, id);
            n.setString(3, NodeState.ACTIVE.name());
            boolean revoked = n.executeUpdate() == 1;
            sync();
            return revoked;
        }
    }

    public synchronized void seen(int id, Instant when) throws SQLException {
        try (PreparedStatement p = db.prepareStatement("UPDATE nodes SET last_seen = ? WHERE id = ?")) {
            p.setTimestamp(1, Timestamp.from(when));
            p.setInt(2, id);
            p.executeUpdate();
        }
    }

    public synchronized List<Long> revokedSerials() throws SQLException {
        List<Long> out = new ArrayList<>();
        try (Statement s = db.createStatement();
                ResultSet r = s.executeQuery("SELECT serial FROM certificates WHERE revoked ORDER BY serial")) {
            while (r.next()) {
                out.add(r.getLong(1));
            }
        }
        return out;
    }

    public synchronized List<NodeRecord> nodes() throws SQLException {
        return select("SELECT * FROM nodes ORDER BY id", null);
    }

    public synchronized Optional<NodeRecord> byId(int id) throws SQLException {
        return select("SELECT * FROM nodes WHERE id = ?", id).stream().findFirst();
    }

    public synchronized Optional<NodeRecord> byMac(MacAddress mac) throws SQLException {
        return select("SELECT * FROM nodes WHERE mac = ?", mac.value()).stream().findFirst();
    }

    private List<NodeRecord> select(String sql, Object arg) throws SQLException {
        List<NodeRecord> out = new ArrayList<>();
        try (PreparedStatement p = db.prepareStatement(sql)) {
            if (arg != null) {
                p.setObject(1, arg);
            }
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    Timestamp seen = r.getTimestamp("last_seen");
                    out.add(new NodeRecord(r.getInt("id"), new MacAddress(r.getString("mac")),
                            new SshPublicKey(r.getString("key_type"), r.getString("key_b64")), r.getLong("serial"),
                            r.getTimestamp("valid_before").toInstant(), NodeState.valueOf(r.getString("state")),
                            r.getTimestamp("enrolled_at").toInstant(), seen == null ? null : seen.toInstant(),
                            r.getString("source")));
                }
            }
        }
        return out;
    }

    @Override
    public void close() throws SQLException {
        db.close();
    }
}
