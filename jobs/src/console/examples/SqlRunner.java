package console.examples;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.util.ParameterTool;

/**
 * Runs the statements of a SQL script, the way SQLSCRIPT deployments run (Flink's SQL gateway is
 * not in the PyPI distribution). DDL and SET statements run in order; all INSERT statements are
 * submitted together as one job.
 *
 * <p>Flags: {@code --script-base64} the script, Base64-encoded (UTF-8), or {@code --script-file} a
 * path; {@code --batch} runs in batch mode; {@code --catalog-base64} the namespace's SQL catalog,
 * its DDL statements each Base64-encoded (UTF-8) and joined by commas, run before the script (see
 * {@link CatalogReplay}).
 */
public final class SqlRunner {

    public static void main(String[] args) throws Exception {
        ParameterTool params = ParameterTool.fromArgs(args);
        String script;
        if (params.has("script-base64")) {
            script = new String(Base64.getDecoder().decode(params.get("script-base64")), StandardCharsets.UTF_8);
        } else if (params.has("script-file")) {
            script = Files.readString(Paths.get(params.get("script-file")), StandardCharsets.UTF_8);
        } else {
            throw new IllegalArgumentException("give the script with --script-base64 or --script-file");
        }
        EnvironmentSettings settings = params.has("batch")
                ? EnvironmentSettings.inBatchMode()
                : EnvironmentSettings.inStreamingMode();
        TableEnvironment tables = TableEnvironment.create(settings);
        if (params.has("catalog-base64")) {
            List<String> catalog = new ArrayList<>();
            for (String encoded : params.get("catalog-base64").split(",")) {
                if (!encoded.isEmpty()) {
                    catalog.add(new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8));
                }
            }
            for (String failure : CatalogReplay.replay(tables, catalog)) {
                System.err.println("The namespace's catalog: skipped " + failure);
            }
        }
        StatementSet inserts = tables.createStatementSet();
        int insertCount = 0;
        for (String statement : split(script)) {
            String head = statement.stripLeading().toUpperCase();
            if (head.startsWith("INSERT ")) {
                inserts.addInsertSql(statement);
                insertCount++;
            } else {
                tables.executeSql(statement);
            }
        }
        if (insertCount == 0) {
            throw new IllegalArgumentException("the script has no INSERT statement, so there is no job to run");
        }
        inserts.execute();
    }

    /** Splits on semicolons outside quotes and comments; drops empty statements. */
    static List<String> split(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean inString = false;
        boolean inComment = false;
        for (int i = 0; i < script.length(); i++) {
            char c = script.charAt(i);
            if (inComment) {
                if (c == '\n') {
                    inComment = false;
                    current.append(c);
                }
                continue;
            }
            if (!inString && c == '-' && i + 1 < script.length() && script.charAt(i + 1) == '-') {
                inComment = true;
                continue;
            }
            if (c == '\'') {
                inString = !inString;
            }
            if (c == ';' && !inString) {
                addIfNotBlank(statements, current);
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        addIfNotBlank(statements, current);
        return statements;
    }

    private static void addIfNotBlank(List<String> statements, StringBuilder statement) {
        String trimmed = statement.toString().trim();
        if (!trimmed.isEmpty()) {
            statements.add(trimmed);
        }
    }
}
