package console.tools;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.File;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.apache.flink.api.dag.Pipeline;
import org.apache.flink.client.FlinkPipelineTranslationUtil;
import org.apache.flink.client.program.PackagedProgram;
import org.apache.flink.client.program.PackagedProgramUtils;
import org.apache.flink.configuration.ClusterOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.security.FlinkSecurityManager;
import org.apache.flink.runtime.OperatorIDPair;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.state.filesystem.AbstractFsCheckpointStorageAccess;
import org.apache.flink.runtime.state.filesystem.FsCompletedCheckpointStorageLocation;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ArrayNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamGraphHasherV2;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.util.StringUtils;

/**
 * The console's state compatibility helper: reads savepoint metadata and builds job graphs with
 * Flink's own classes, without running any job. One JSON request per line on stdin, one JSON
 * response per line on the original stdout; everything else (logs, a job's own prints) goes to
 * stderr, so a program's {@code main()} can never corrupt the protocol.
 *
 * <p>Requests: {@code {"op":"savepoint","location":"file:/…"}} and
 * {@code {"op":"graph","jar":"/abs/x.jar","entryClass":…,"args":[…],"parallelism":n,"configuration":{…}}}.
 * Answers carry {@code "ok":true} and the facts, or {@code "ok":false} and Flink's message.
 *
 * <p>Building a graph runs the program's {@code main()} in this process (plan mode: the first
 * {@code execute()} is captured and aborted), side effects included: run it in its own JVM.
 */
public final class StateInspector {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        PrintStream protocol = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        System.setOut(System.err);
        // A program's System.exit() in main() throws instead of ending this process, as on a
        // JobManager with cluster.intercept-user-system-exit: THROW. Java 18+ refuses a security
        // manager unless started with -Djava.security.manager=allow; the caller then sees the exit.
        Configuration intercept = new Configuration();
        intercept.set(ClusterOptions.INTERCEPT_USER_SYSTEM_EXIT, ClusterOptions.UserSystemExitMode.THROW);
        try {
            FlinkSecurityManager.setFromConfiguration(intercept);
        } catch (RuntimeException unsupported) {
            System.err.println("System.exit() of programs is not intercepted: " + unsupported.getMessage());
        }
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
                response = failure(error);
            }
            protocol.println(JSON.writeValueAsString(response));
            protocol.flush();
        }
    }

    private static ObjectNode handle(JsonNode request) throws Exception {
        String op = text(request, "op");
        if ("savepoint".equals(op)) {
            return savepoint(request);
        }
        if ("graph".equals(op)) {
            return graph(request);
        }
        throw new IllegalArgumentException("unknown op " + op + " (expected \"savepoint\" or \"graph\")");
    }

    /** The savepoint's operators: ids, uids, names, parallelism, max parallelism, whether they hold state. */
    private static ObjectNode savepoint(JsonNode request) throws Exception {
        String location = text(request, "location");
        if (location == null || location.isBlank()) {
            throw new IllegalArgumentException("a savepoint request needs \"location\"");
        }
        checkLocalLocation(location);
        FsCompletedCheckpointStorageLocation resolved = AbstractFsCheckpointStorageAccess.resolveCheckpointPointer(location);
        CheckpointMetadata metadata;
        try (InputStream in = resolved.getMetadataHandle().openInputStream()) {
            metadata = Checkpoints.loadCheckpointMetadata(
                    new DataInputStream(in), StateInspector.class.getClassLoader(), resolved.getExternalPointer());
        }
        ObjectNode response = ok();
        response.put("checkpointId", metadata.getCheckpointId());
        response.put("location", resolved.getExternalPointer());
        ArrayNode operators = response.putArray("operators");
        for (OperatorState state : metadata.getOperatorStates()) {
            ObjectNode operator = operators.addObject();
            operator.put("id", state.getOperatorID().toHexString());
            operator.put("uid", state.getOperatorUid().orElse(null));
            operator.put("name", state.getOperatorName().orElse(null));
            operator.put("parallelism", state.getParallelism());
            operator.put("maxParallelism", state.getMaxParallelism());
            boolean hasState = false;
            for (OperatorSubtaskState subtask : state.getStates()) {
                hasState |= subtask.hasState();
            }
            operator.put("hasState", hasState);
            operator.put("hasCoordinatorState", state.getCoordinatorState() != null);
            operator.put("stateSize", state.getStateSize());
            operator.put("fullyFinished", state.isFullyFinished());
        }
        return response;
    }

    /**
     * Only local files: a {@code file:} URI or an absolute path. A relative path would resolve
     * against this process's directory, not the JobManager's, and other schemes need file system
     * plugins this helper does not load.
     */
    private static void checkLocalLocation(String location) {
        if (location.startsWith("/")) {
            return;
        }
        URI uri;
        try {
            uri = new URI(location);
        } catch (Exception e) {
            throw new IllegalArgumentException("the savepoint location " + location + " is not a URI: " + e.getMessage());
        }
        String scheme = uri.getScheme();
        if (scheme == null) {
            throw new IllegalArgumentException(
                    "the savepoint location " + location + " is relative; give a file: URI or an absolute path");
        }
        if (!"file".equals(scheme)) {
            throw new IllegalArgumentException("the savepoint location " + location + " uses the scheme " + scheme
                    + ":; the check reads only local savepoints (file: URIs or absolute paths)");
        }
        String path = uri.getPath();
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException(
                    "the savepoint location " + location + " is not an absolute file: URI");
        }
    }

    /** The job graph `main()` builds, with every chained operator and its description. */
    private static ObjectNode graph(JsonNode request) throws Exception {
        String jar = text(request, "jar");
        if (jar == null || !new File(jar).isAbsolute()) {
            throw new IllegalArgumentException("a graph request needs \"jar\", an absolute path");
        }
        if (!new File(jar).isFile()) {
            throw new IllegalArgumentException("there is no JAR at " + jar);
        }
        List<String> arguments = new ArrayList<>();
        JsonNode args = request.get("args");
        if (args != null && args.isArray()) {
            for (JsonNode arg : args) {
                arguments.add(arg.asText());
            }
        }
        Map<String, String> settings = new HashMap<>();
        JsonNode configuration = request.get("configuration");
        if (configuration != null && configuration.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = configuration.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                settings.put(field.getKey(), field.getValue().asText());
            }
        }
        Configuration flinkConfiguration = Configuration.fromMap(settings);
        JsonNode parallelismNode = request.get("parallelism");
        int parallelism = parallelismNode != null && parallelismNode.isInt() ? parallelismNode.asInt() : -1;

        PackagedProgram.Builder builder = PackagedProgram.newBuilder()
                .setJarFile(new File(jar))
                .setArguments(arguments.toArray(new String[0]))
                .setConfiguration(flinkConfiguration);
        String entryClass = text(request, "entryClass");
        if (entryClass != null) {
            builder.setEntryPointClassName(entryClass);
        }
        FlinkSecurityManager.monitorUserSystemExitForCurrentThread();
        try (PackagedProgram program = builder.build()) {
            // What PackagedProgramUtils.createJobGraph does, keeping the StreamGraph so that every
            // operator's description is at hand, and main() runs once.
            Pipeline pipeline = PackagedProgramUtils.getPipelineFromProgram(program, flinkConfiguration, parallelism, true);
            if (!(pipeline instanceof StreamGraph)) {
                throw new IllegalArgumentException("the program built a " + pipeline.getClass().getName()
                        + ", not a streaming job graph");
            }
            StreamGraph streamGraph = (StreamGraph) pipeline;
            Map<String, StreamNode> nodesByHash = new HashMap<>();
            Map<Integer, byte[]> hashes = new StreamGraphHasherV2().traverseStreamGraphAndGenerateHashes(streamGraph);
            for (Map.Entry<Integer, byte[]> hash : hashes.entrySet()) {
                nodesByHash.put(StringUtils.byteToHexString(hash.getValue()), streamGraph.getStreamNode(hash.getKey()));
            }
            JobGraph jobGraph = FlinkPipelineTranslationUtil.getJobGraphUnderUserClassLoader(
                    program.getUserCodeClassLoader(), pipeline, flinkConfiguration, parallelism);
            ObjectNode response = ok();
            response.put("flinkVersion", EnvironmentInformation.getVersion());
            response.put("jobName", jobGraph.getName());
            ArrayNode vertices = response.putArray("vertices");
            for (JobVertex vertex : jobGraph.getVerticesSortedTopologicallyFromSources()) {
                ObjectNode v = vertices.addObject();
                v.put("id", vertex.getID().toHexString());
                v.put("name", vertex.getName());
                v.put("parallelism", vertex.getParallelism());
                v.put("maxParallelism", vertex.getMaxParallelism());
                ArrayNode operators = v.putArray("operators");
                // Flink lists a chain tail first; the answer lists it from the head.
                List<OperatorIDPair> ids = new ArrayList<>(vertex.getOperatorIDs());
                java.util.Collections.reverse(ids);
                for (OperatorIDPair pair : ids) {
                    ObjectNode operator = operators.addObject();
                    String generated = pair.getGeneratedOperatorID().toHexString();
                    operator.put("generatedId", generated);
                    operator.put("userDefinedId", pair.getUserDefinedOperatorID().map(OperatorID::toHexString).orElse(null));
                    operator.put("uid", pair.getUserDefinedOperatorUid());
                    StreamNode node = nodesByHash.get(generated);
                    String name = node != null ? node.getOperatorName() : pair.getUserDefinedOperatorName();
                    operator.put("name", name);
                    operator.put("description", node != null ? node.getOperatorDescription() : null);
                }
            }
            return response;
        } finally {
            FlinkSecurityManager.unmonitorUserSystemExitForCurrentThread();
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static ObjectNode ok() {
        ObjectNode response = JSON.createObjectNode();
        response.put("ok", true);
        return response;
    }

    /** Flink's message, its causes' messages, and no stack frames. */
    private static ObjectNode failure(Throwable error) {
        StringBuilder message = new StringBuilder();
        Throwable current = error;
        int depth = 0;
        while (current != null && depth < 8) {
            String text = current.getMessage() != null ? current.getMessage().strip() : current.getClass().getSimpleName();
            if (message.indexOf(text) < 0) {
                if (message.length() > 0) {
                    message.append(": ");
                }
                message.append(text);
            }
            current = current.getCause() == current ? null : current.getCause();
            depth++;
        }
        String text = message.toString();
        if (text.length() > 4000) {
            text = text.substring(0, 4000) + "…";
        }
        ObjectNode response = JSON.createObjectNode();
        response.put("ok", false);
        response.put("error", text);
        response.put("errorClass", error.getClass().getName());
        return response;
    }
}
