package console.tools;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import console.examples.CatalogReplay;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ArrayNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.ResultKind;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.internal.TableEnvironmentInternal;
import org.apache.flink.table.catalog.Catalog;
import org.apache.flink.table.catalog.CatalogDatabase;
import org.apache.flink.table.catalog.CatalogFunction;
import org.apache.flink.table.catalog.ObjectPath;
import org.apache.flink.table.operations.DescribeCatalogOperation;
import org.apache.flink.table.operations.DescribeFunctionOperation;
import org.apache.flink.table.operations.DescribeTableOperation;
import org.apache.flink.table.operations.ExplainOperation;
import org.apache.flink.table.operations.Operation;
import org.apache.flink.table.operations.QueryOperation;
import org.apache.flink.table.operations.ShowOperation;
import org.apache.flink.table.operations.SinkModifyOperation;
import org.apache.flink.table.operations.ddl.AlterOperation;
import org.apache.flink.table.operations.ddl.CreateCatalogFunctionOperation;
import org.apache.flink.table.operations.ddl.CreateOperation;
import org.apache.flink.table.operations.ddl.DropOperation;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * The console's SQL helper: Flink's own parser and planner answer for a namespace's catalog. One
 * JSON request per line on stdin, one JSON answer per line on the original stdout (logs go to
 * stderr). Every request brings the catalog as its stored DDL statements, replayed into a fresh
 * in-memory {@link TableEnvironment}, so nothing a request does outlives it.
 *
 * <p>Requests ({@code "catalog":[…]} on each):
 * <ul>
 *   <li>{@code {"op":"validate","statement":…}}: Ververica Platform's {@code validationResult} and,
 *       when Flink refuses, {@code errorDetails} with Flink's message and position.
 *   <li>{@code {"op":"execute","statement":…}}: runs a DDL statement or a command (SHOW, DESCRIBE,
 *       EXPLAIN) and answers its {@code resultTable}; after DDL also the catalog as it is now.
 *       Statements that would run a job or read data (INSERT, SELECT) are never run here.
 *   <li>{@code {"op":"suggest","sqlScript":…,"position":n}}: Flink's completion hints.
 * </ul>
 *
 * <p>What it must never do: run a job, read a table's data, load a JAR, or create a catalog that
 * reaches a network or a file (only the kinds listed in {@link #kind} run).
 */
public final class SqlService {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The most rows of a command's result returned. */
    private static final int MAX_ROWS = 10_000;
    /** The longest cell returned, in characters. */
    private static final int MAX_CELL = 64 * 1024;

    static final String DDL = "VALIDATION_RESULT_VALID_DDL_STATEMENT";
    static final String COMMAND = "VALIDATION_RESULT_VALID_COMMAND_STATEMENT";
    static final String INSERT = "VALIDATION_RESULT_VALID_INSERT_QUERY";
    static final String SELECT = "VALIDATION_RESULT_VALID_SELECT_QUERY";
    static final String INVALID_QUERY = "VALIDATION_RESULT_INVALID_QUERY";
    static final String UNSUPPORTED = "VALIDATION_RESULT_UNSUPPORTED_QUERY";

    public static void main(String[] args) throws Exception {
        PrintStream protocol = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        System.setOut(System.err);
        BufferedReader requests = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = requests.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            ObjectNode response;
            try {
                response = handle(JSON.readTree(line));
            } catch (Throwable error) {
                response = JSON.createObjectNode();
                response.put("ok", false);
                response.put("error", message(error));
            }
            protocol.println(JSON.writeValueAsString(response));
            protocol.flush();
        }
    }

    private static ObjectNode handle(JsonNode request) throws Exception {
        String op = request.path("op").asText("");
        List<String> catalog = new ArrayList<>();
        for (JsonNode statement : request.path("catalog")) {
            catalog.add(statement.asText());
        }
        TableEnvironment tables = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        List<String> broken = CatalogReplay.replay(tables, catalog);
        ObjectNode response;
        switch (op) {
            case "validate":
                response = validate(tables, request.path("statement").asText(""));
                break;
            case "execute":
                response = execute(tables, request.path("statement").asText(""));
                break;
            case "suggest":
                response = suggest(tables, request.path("sqlScript").asText(""), request.path("position").asInt(0));
                break;
            default:
                throw new IllegalArgumentException(
                        "unknown op " + op + " (expected \"validate\", \"execute\" or \"suggest\")");
        }
        if (!broken.isEmpty()) {
            ArrayNode warnings = response.putArray("catalogWarnings");
            broken.forEach(warnings::add);
        }
        return response;
    }

    /** What a statement is; {@code null} with a reason in {@code why} when it may not run here. */
    static String kind(Operation operation, StringBuilder why) {
        if (operation instanceof SinkModifyOperation) {
            SinkModifyOperation modify = (SinkModifyOperation) operation;
            if (modify.isDelete() || modify.isUpdate()) {
                why.append("UPDATE and DELETE statements are not supported; a deployment runs INSERT statements");
                return UNSUPPORTED;
            }
            return INSERT;
        }
        if (operation instanceof QueryOperation) {
            return SELECT;
        }
        if (operation instanceof ShowOperation || operation instanceof DescribeTableOperation
                || operation instanceof DescribeFunctionOperation || operation instanceof DescribeCatalogOperation
                || operation instanceof ExplainOperation) {
            return COMMAND;
        }
        boolean ddl = operation instanceof CreateOperation || operation instanceof AlterOperation
                || operation instanceof DropOperation;
        String name = operation.getClass().getSimpleName();
        if (!ddl) {
            why.append(summary(operation)).append(": only DDL (CREATE, ALTER, DROP of tables, views, functions")
                    .append(" and databases), SHOW, DESCRIBE, EXPLAIN, INSERT and SELECT statements are supported");
            return UNSUPPORTED;
        }
        if ((name.contains("Catalog") && !name.contains("CatalogFunction")) || name.contains("Model")
                || name.contains("MaterializedTable")) {
            why.append(summary(operation)).append(": the namespace has one catalog; catalogs, models and")
                    .append(" materialized tables are not supported");
            return UNSUPPORTED;
        }
        if (name.contains("TempSystem") || isTemporary(operation)) {
            why.append("temporary objects are not kept in the namespace's catalog: create it without TEMPORARY,")
                    .append(" or inside the deployment's script");
            return UNSUPPORTED;
        }
        if (operation instanceof CreateCatalogFunctionOperation
                && !((CreateCatalogFunctionOperation) operation).getCatalogFunction().getFunctionResources().isEmpty()) {
            why.append("functions USING JAR are not supported: the function's class must be on the cluster's class path");
            return UNSUPPORTED;
        }
        return DDL;
    }

    private static boolean isTemporary(Operation operation) {
        try {
            Method method = operation.getClass().getMethod("isTemporary");
            return Boolean.TRUE.equals(method.invoke(operation));
        } catch (ReflectiveOperationException absent) {
            return false;
        }
    }

    private static String summary(Operation operation) {
        String text = operation.asSummaryString();
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }

    /** The statement's one operation, as Flink's parser reads and validates it. */
    private static Operation parse(TableEnvironment tables, String statement) {
        List<Operation> operations = ((TableEnvironmentInternal) tables).getParser().parse(statement);
        if (operations.size() != 1) {
            throw new IllegalArgumentException("one statement at a time, please (this is " + operations.size() + ")");
        }
        return operations.get(0);
    }

    private static ObjectNode validate(TableEnvironment tables, String statement) {
        ObjectNode response = ok();
        Operation operation;
        try {
            operation = parse(tables, statement);
        } catch (Throwable refused) {
            return invalid(response, INVALID_QUERY, refused);
        }
        StringBuilder why = new StringBuilder();
        String kind = kind(operation, why);
        if (UNSUPPORTED.equals(kind)) {
            return invalid(response, UNSUPPORTED, why.toString());
        }
        try {
            if (INSERT.equals(kind) || SELECT.equals(kind)) {
                // Planning finds what parsing does not: a missing connector, an unsupported change
                // mode. It builds the plan only; nothing runs.
                tables.explainSql(statement);
            } else {
                // DDL and commands run against this request's throwaway catalog: "already exists"
                // and "does not exist" are found here, as Ververica Platform finds them.
                collect(tables.executeSql(statement));
            }
        } catch (Throwable refused) {
            return invalid(response, INVALID_QUERY, refused);
        }
        response.put("validationResult", kind);
        return response;
    }

    private static ObjectNode execute(TableEnvironment tables, String statement) throws Exception {
        ObjectNode response = ok();
        Operation operation;
        try {
            operation = parse(tables, statement);
        } catch (Throwable refused) {
            return invalid(response, INVALID_QUERY, refused);
        }
        StringBuilder why = new StringBuilder();
        String kind = kind(operation, why);
        if (UNSUPPORTED.equals(kind)) {
            return invalid(response, UNSUPPORTED, why.toString());
        }
        if (INSERT.equals(kind)) {
            response.put("validationResult", kind);
            return invalid(response, INSERT, "an INSERT runs as a deployment: create one with a SQLSCRIPT artifact");
        }
        if (SELECT.equals(kind)) {
            return invalid(response, SELECT, "SELECT statements are not run by the console: they would read data");
        }
        TableResult result;
        ObjectNode table;
        try {
            result = tables.executeSql(statement);
            table = collect(result);
        } catch (Throwable refused) {
            return invalid(response, INVALID_QUERY, refused);
        }
        response.put("validationResult", kind);
        response.put("result", result.getResultKind() == ResultKind.SUCCESS_WITH_CONTENT
                ? "RESULT_SUCCESS_WITH_ROWS" : "RESULT_SUCCESS");
        response.set("resultTable", table);
        if (DDL.equals(kind)) {
            ArrayNode catalog = response.putArray("catalog");
            for (String ddl : dump(tables)) {
                catalog.add(ddl);
            }
        }
        return response;
    }

    private static ObjectNode suggest(TableEnvironment tables, String script, int position) {
        ObjectNode response = ok();
        int at = Math.max(0, Math.min(position, script.length()));
        String[] hints = ((TableEnvironmentInternal) tables).getParser().getCompletionHints(script, at);
        ArrayNode completions = response.putArray("completions");
        for (String hint : hints) {
            completions.addObject().put("text", hint);
        }
        return response;
    }

    /** A result's columns and rows, at most {@link #MAX_ROWS}. */
    private static ObjectNode collect(TableResult result) throws Exception {
        ObjectNode table = JSON.createObjectNode();
        ArrayNode headers = table.putArray("headers");
        for (String column : result.getResolvedSchema().getColumnNames()) {
            headers.addObject().put("name", column);
        }
        ArrayNode rows = table.putArray("rows");
        try (CloseableIterator<Row> iterator = result.collect()) {
            while (iterator.hasNext() && rows.size() < MAX_ROWS) {
                Row row = iterator.next();
                ArrayNode cells = rows.addObject().putArray("cells");
                for (int i = 0; i < row.getArity(); i++) {
                    Object value = row.getField(i);
                    String text = value == null ? null : value.toString();
                    if (text != null && text.length() > MAX_CELL) {
                        text = text.substring(0, MAX_CELL) + "…";
                    }
                    cells.addObject().put("value", text);
                }
            }
        }
        return table;
    }

    /**
     * The catalog as DDL statements: databases, functions, tables (Flink's SHOW CREATE TABLE), then
     * views (SHOW CREATE VIEW). What was dropped is simply absent; replaying these rebuilds it.
     */
    static List<String> dump(TableEnvironment tables) throws Exception {
        String catalogName = tables.getCurrentCatalog();
        Catalog catalog = tables.getCatalog(catalogName)
                .orElseThrow(() -> new IllegalStateException("no current catalog"));
        String defaultDatabase = catalog.getDefaultDatabase();
        List<String> databases = new ArrayList<>();
        List<String> functions = new ArrayList<>();
        List<String> tableDdl = new ArrayList<>();
        List<String> viewDdl = new ArrayList<>();
        List<String> names = new ArrayList<>(catalog.listDatabases());
        names.sort(null);
        for (String database : names) {
            if (!database.equals(defaultDatabase)) {
                databases.add(createDatabase(catalogName, database, catalog.getDatabase(database)));
            }
            List<String> functionNames = new ArrayList<>(catalog.listFunctions(database));
            functionNames.sort(null);
            for (String function : functionNames) {
                CatalogFunction definition = catalog.getFunction(new ObjectPath(database, function));
                functions.add("CREATE FUNCTION " + path(catalogName, database, function) + " AS "
                        + literal(definition.getClassName()) + " LANGUAGE " + definition.getFunctionLanguage().name());
            }
            List<String> views = catalog.listViews(database);
            List<String> tableNames = new ArrayList<>(catalog.listTables(database));
            tableNames.sort(null);
            for (String table : tableNames) {
                String show = views.contains(table) ? "SHOW CREATE VIEW " : "SHOW CREATE TABLE ";
                String ddl = single(tables.executeSql(show + path(catalogName, database, table)));
                (views.contains(table) ? viewDdl : tableDdl).add(ddl);
            }
        }
        List<String> all = new ArrayList<>(databases);
        all.addAll(functions);
        all.addAll(tableDdl);
        all.addAll(viewDdl);
        return all;
    }

    private static String createDatabase(String catalog, String name, CatalogDatabase database) {
        StringBuilder ddl = new StringBuilder("CREATE DATABASE ").append(quote(catalog)).append('.').append(quote(name));
        if (database.getComment() != null && !database.getComment().isEmpty()) {
            ddl.append(" COMMENT ").append(literal(database.getComment()));
        }
        Map<String, String> properties = database.getProperties();
        if (properties != null && !properties.isEmpty()) {
            List<String> options = new ArrayList<>();
            properties.forEach((key, value) -> options.add(literal(key) + " = " + literal(value)));
            options.sort(null);
            ddl.append(" WITH (").append(String.join(", ", options)).append(')');
        }
        return ddl.toString();
    }

    private static String single(TableResult result) throws Exception {
        try (CloseableIterator<Row> rows = result.collect()) {
            if (!rows.hasNext()) {
                throw new IllegalStateException("SHOW CREATE answered nothing");
            }
            return String.valueOf(rows.next().getField(0)).strip();
        }
    }

    private static String path(String catalog, String database, String object) {
        return quote(catalog) + "." + quote(database) + "." + quote(object);
    }

    private static String quote(String identifier) {
        return "`" + identifier.replace("`", "``") + "`";
    }

    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    private static ObjectNode ok() {
        ObjectNode response = JSON.createObjectNode();
        response.put("ok", true);
        return response;
    }

    private static ObjectNode invalid(ObjectNode response, String result, String message) {
        response.put("validationResult", result);
        ObjectNode details = response.putObject("errorDetails");
        details.put("message", message);
        return response;
    }

    /** Flink's refusal with the position of its cause, where the parser or validator gives one. */
    private static ObjectNode invalid(ObjectNode response, String result, Throwable refused) {
        invalid(response, result, message(refused));
        ObjectNode details = (ObjectNode) response.get("errorDetails");
        for (Throwable cause = refused; cause != null; cause = cause.getCause()) {
            if (position(cause, details)) {
                break;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return response;
    }

    /**
     * Copies a position from Calcite's exceptions (in the planner's own class loader, so reached
     * by reflection): {@code SqlParseException#getPos()} and {@code CalciteContextException}'s
     * {@code getPosLine()} and friends. Positions are 1-based, as Calcite and VVP count.
     */
    private static boolean position(Throwable cause, ObjectNode details) {
        String name = cause.getClass().getSimpleName();
        try {
            if (name.equals("SqlParseException")) {
                Object pos = cause.getClass().getMethod("getPos").invoke(cause);
                if (pos == null) {
                    return false;
                }
                details.put("lineNumber", (Integer) pos.getClass().getMethod("getLineNum").invoke(pos));
                details.put("columnNumber", (Integer) pos.getClass().getMethod("getColumnNum").invoke(pos));
                details.put("endLineNumber", (Integer) pos.getClass().getMethod("getEndLineNum").invoke(pos));
                details.put("endColumnNumber", (Integer) pos.getClass().getMethod("getEndColumnNum").invoke(pos));
                return true;
            }
            if (name.equals("CalciteContextException")) {
                Class<?> type = cause.getClass();
                details.put("lineNumber", (Integer) type.getMethod("getPosLine").invoke(cause));
                details.put("columnNumber", (Integer) type.getMethod("getPosColumn").invoke(cause));
                details.put("endLineNumber", (Integer) type.getMethod("getEndPosLine").invoke(cause));
                details.put("endColumnNumber", (Integer) type.getMethod("getEndPosColumn").invoke(cause));
                return true;
            }
        } catch (ReflectiveOperationException | ClassCastException unexpected) {
            return false;
        }
        return false;
    }

    /** The message of an error and its causes, without stack frames, at most 4000 characters. */
    private static String message(Throwable error) {
        StringBuilder text = new StringBuilder();
        for (Throwable cause = error; cause != null && text.length() < 4000; cause = cause.getCause()) {
            String part = cause.getMessage();
            if (part == null || part.isBlank() || text.indexOf(part.strip()) >= 0) {
                if (cause.getCause() == cause) {
                    break;
                }
                continue;
            }
            if (text.length() > 0) {
                text.append(" / ");
            }
            text.append(part.strip());
            if (cause.getCause() == cause) {
                break;
            }
        }
        if (text.length() == 0) {
            text.append(error.getClass().getSimpleName());
        }
        // Flink wraps its own validation errors: "SQL validation failed. SQL validation failed. At …".
        String said = text.toString().replaceAll("([A-Z][^.]*\\.)(\\s+\\1)+", "$1");
        return said.length() > 4000 ? said.substring(0, 4000) + "…" : said;
    }
}
