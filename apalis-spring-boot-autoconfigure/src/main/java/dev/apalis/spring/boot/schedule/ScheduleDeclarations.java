package dev.apalis.spring.boot.schedule;

import java.lang.reflect.Method;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.aop.framework.autoproxy.AutoProxyUtils;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.config.EmbeddedValueResolver;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.StringValueResolver;

import dev.apalis.schedule.CatchUp;
import dev.apalis.schedule.Overlap;
import dev.apalis.schedule.Schedule;
import dev.apalis.spring.TaskHandler;
import dev.apalis.spring.TaskSchedule;
import dev.apalis.spring.WorkerDefinition;
import dev.apalis.spring.boot.ApalisConfigurationException;
import dev.apalis.spring.boot.ApalisProperties;
import dev.apalis.spring.boot.ScheduleProperties;
import dev.apalis.task.PayloadCodec;

/**
 * Reads the schedules an application declares: {@link TaskSchedule} on {@link TaskHandler} methods
 * (their queue is the worker's), then {@code apalis.schedules.<name>.*}, whose set properties override
 * the annotation of the same name or declare a schedule of their own. Every problem (an invalid
 * expression, an unknown zone, a payload the handler cannot read, a {@code @TaskSchedule} without
 * {@code @TaskHandler}, a name declared twice) is reported at once, naming the annotation or the
 * property; a schedule whose queue no handler of this application consumes gets a WARN.
 */
final class ScheduleDeclarations {

    private static final Log logger = LogFactory.getLog(ScheduleDeclarations.class);

    private final ConfigurableListableBeanFactory beanFactory;

    private final StringValueResolver resolver;

    private final List<WorkerDefinition> workers;

    private final ApalisProperties properties;

    private final PayloadCodec codec;

    ScheduleDeclarations(ConfigurableListableBeanFactory beanFactory, List<WorkerDefinition> workers,
            ApalisProperties properties, PayloadCodec codec) {
        this.beanFactory = beanFactory;
        this.resolver = new EmbeddedValueResolver(beanFactory);
        this.workers = workers;
        this.properties = properties;
        this.codec = codec;
    }

    /**
     * The declared schedules.
     * @return them, in declaration order
     * @throws ApalisConfigurationException listing every problem
     */
    List<Schedule> resolve() {
        List<String> problems = new ArrayList<>();
        Map<String, Schedule> schedules = new LinkedHashMap<>();
        Map<String, String> declaredAt = new LinkedHashMap<>();
        for (WorkerDefinition worker : workers) {
            TaskSchedule annotation = AnnotatedElementUtils.findMergedAnnotation(worker.method(), TaskSchedule.class);
            if (annotation == null) {
                continue;
            }
            String where = "@TaskSchedule on " + worker.handlerDescription();
            String name = annotation.name().isBlank() ? worker.name() : resolve(annotation.name());
            if (declaredAt.containsKey(name)) {
                problems.add(where + ": schedule name '" + name + "' is already declared by " + declaredAt.get(name)
                        + "; give one of them another name");
                continue;
            }
            declaredAt.put(name, where);
            ScheduleProperties overrides = properties.getSchedules().get(name);
            String prefix = "apalis.schedules." + name + ".";
            Schedule schedule = build(name, where, prefix, overrides, resolve(annotation.cron()),
                    resolve(annotation.zone()), worker.queue(), annotation.payload(), resolve(annotation.enabled()),
                    annotation.catchUp(), annotation.catchUpLimit(), annotation.overlap(), problems);
            if (schedule == null) {
                continue;
            }
            if (!schedule.queue().equals(worker.queue())) {
                problems.add(prefix + "queue: schedule '" + name + "' is declared by " + where + ", whose queue is '"
                        + worker.queue() + "'; remove the property or the annotation");
                continue;
            }
            try {
                codec.decode(schedule.payload(), worker.payloadType());
            }
            catch (RuntimeException ex) {
                problems.add(where + ": payload '" + schedule.payload() + "' does not read as the handler's payload type "
                        + worker.payloadType().getTypeName() + " (" + ex.getMessage() + "); set payload to JSON of "
                        + "that type");
                continue;
            }
            schedules.put(name, schedule);
        }
        for (Map.Entry<String, ScheduleProperties> entry : properties.getSchedules().entrySet()) {
            String name = entry.getKey();
            if (declaredAt.containsKey(name)) {
                continue;
            }
            String prefix = "apalis.schedules." + name + ".";
            ScheduleProperties own = entry.getValue();
            if (own.getCron() == null || own.getCron().isBlank()) {
                problems.add(prefix + "cron: is required for a schedule that no @TaskSchedule declares, for example "
                        + prefix + "cron=0 30 2 * * *");
                continue;
            }
            Schedule schedule = build(name, "apalis.schedules." + name, prefix, own, own.getCron(), null, name, "{}",
                    "true", CatchUp.LAST, Schedule.DEFAULT_CATCH_UP_LIMIT, Overlap.SKIP, problems);
            if (schedule != null) {
                schedules.put(name, schedule);
            }
        }
        problems.addAll(schedulesWithoutHandler());
        if (!problems.isEmpty()) {
            throw new ApalisConfigurationException("Invalid schedules:" + System.lineSeparator() + "    - "
                    + String.join(System.lineSeparator() + "    - ", problems),
                    "Fix the annotations or properties listed above; cron expressions use Spring's CronExpression "
                            + "syntax and zones are region ids such as Europe/Berlin or UTC.");
        }
        warnAboutQueuesWithoutHandler(schedules.values());
        return List.copyOf(schedules.values());
    }

    private Schedule build(String name, String where, String prefix, ScheduleProperties overrides, String cron,
            String zone, String queue, String payload, String enabled, CatchUp catchUp, int catchUpLimit,
            Overlap overlap, List<String> problems) {
        String cronSource = where;
        String zoneSource = where;
        if (overrides != null) {
            if (overrides.getCron() != null) {
                cron = overrides.getCron();
                cronSource = prefix + "cron";
            }
            if (overrides.getZone() != null) {
                zone = overrides.getZone();
                zoneSource = prefix + "zone";
            }
            queue = (overrides.getQueue() != null) ? overrides.getQueue() : queue;
            payload = (overrides.getPayload() != null) ? overrides.getPayload() : payload;
            enabled = (overrides.getEnabled() != null) ? overrides.getEnabled().toString() : enabled;
            catchUp = (overrides.getCatchUp() != null) ? overrides.getCatchUp() : catchUp;
            catchUpLimit = (overrides.getCatchUpLimit() != null) ? overrides.getCatchUpLimit() : catchUpLimit;
            overlap = (overrides.getOverlap() != null) ? overrides.getOverlap() : overlap;
        }
        ZoneId zoneId;
        try {
            zoneId = (zone == null || zone.isBlank()) ? ZoneId.systemDefault() : ZoneId.of(zone);
        }
        catch (DateTimeException ex) {
            problems.add(zoneSource + ": unknown time zone '" + zone + "' (" + ex.getMessage() + "); use a region id "
                    + "such as Europe/Berlin, America/New_York or UTC");
            return null;
        }
        if (!"true".equalsIgnoreCase(enabled) && !"false".equalsIgnoreCase(enabled)) {
            problems.add(where + ": enabled must be true or false, was '" + enabled + "'");
            return null;
        }
        try {
            Schedule.of(name, cron, queue); // the expression first, so that its message names its source
        }
        catch (IllegalArgumentException ex) {
            problems.add(cronSource + ": " + ex.getMessage());
            return null;
        }
        try {
            return new Schedule(name, cron, zoneId, queue, payload, Boolean.parseBoolean(enabled), catchUp,
                    catchUpLimit, overlap);
        }
        catch (IllegalArgumentException | NullPointerException ex) {
            problems.add(where + ": " + ex.getMessage());
            return null;
        }
    }

    private String resolve(String value) {
        String resolved = resolver.resolveStringValue(value);
        return (resolved != null) ? resolved : value;
    }

    /** {@code @TaskSchedule} on methods that are not handlers would never fire: an error, not silence. */
    private List<String> schedulesWithoutHandler() {
        List<String> problems = new ArrayList<>();
        for (String beanName : beanFactory.getBeanNamesForType(Object.class, true, false)) {
            Class<?> type;
            try {
                type = AutoProxyUtils.determineTargetClass(beanFactory, beanName);
            }
            catch (RuntimeException ex) {
                continue;
            }
            if (type == null || !AnnotationUtils.isCandidateClass(type, TaskSchedule.class)) {
                continue;
            }
            Map<Method, TaskSchedule> annotated = MethodIntrospector.selectMethods(type,
                    (MethodIntrospector.MetadataLookup<TaskSchedule>) method -> AnnotatedElementUtils
                        .findMergedAnnotation(method, TaskSchedule.class));
            for (Method method : annotated.keySet()) {
                if (AnnotatedElementUtils.findMergedAnnotation(method, TaskHandler.class) == null) {
                    problems.add("@TaskSchedule on " + WorkerDefinition.describeHandler(beanName, method)
                            + ": the method has no @TaskHandler; add one, whose queue the schedule pushes to");
                }
            }
        }
        return problems;
    }

    private void warnAboutQueuesWithoutHandler(Iterable<Schedule> schedules) {
        Set<String> consumed = new TreeSet<>();
        for (WorkerDefinition worker : workers) {
            consumed.add(worker.queue());
        }
        for (Schedule schedule : schedules) {
            if (schedule.enabled() && !consumed.contains(schedule.queue())) {
                logger.warn("Schedule '" + schedule.name() + "' pushes to queue '" + schedule.queue() + "', which no "
                        + "@TaskHandler of this application consumes (queues here: " + consumed + "). Its tasks wait "
                        + "until a worker elsewhere takes them; check apalis.schedules." + schedule.name() + ".queue");
            }
        }
    }
}
