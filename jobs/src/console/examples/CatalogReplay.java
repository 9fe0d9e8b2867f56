package console.examples;

import java.util.ArrayList;
import java.util.List;

import org.apache.flink.table.api.TableEnvironment;

/**
 * Rebuilds a namespace's SQL catalog in a fresh {@link TableEnvironment} from its stored DDL
 * statements (databases, functions, tables, views, as the console's SQL helper wrote them down).
 * Used by the SQL helper ({@code console.tools.SqlService}) and by the SQL runner, so a SQLSCRIPT
 * deployment sees the tables its namespace's catalog holds.
 *
 * <p>Statements that fail are tried again after the others, until a round makes no progress: a view
 * may be stored before a view it reads. What still fails is returned (a view whose table was
 * dropped), never thrown: one broken view must not stop every deployment of the namespace.
 */
public final class CatalogReplay {

    private CatalogReplay() {}

    /** Runs {@code statements} in {@code tables}; returns "statement: error" for each that failed. */
    public static List<String> replay(TableEnvironment tables, List<String> statements) {
        List<String> pending = new ArrayList<>(statements);
        List<String> errors = new ArrayList<>();
        while (!pending.isEmpty()) {
            List<String> failed = new ArrayList<>();
            errors.clear();
            for (String statement : pending) {
                try {
                    tables.executeSql(statement);
                } catch (RuntimeException error) {
                    failed.add(statement);
                    errors.add(firstLine(statement) + ": " + error.getMessage());
                }
            }
            if (failed.size() == pending.size()) {
                break;
            }
            pending = failed;
        }
        return pending.isEmpty() ? List.of() : errors;
    }

    private static String firstLine(String statement) {
        String line = statement.strip().lines().findFirst().orElse("");
        return line.length() > 120 ? line.substring(0, 120) + "…" : line;
    }
}
