package dev.apalis.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import dev.apalis.schedule.CatchUp;
import dev.apalis.schedule.Overlap;

/**
 * Pushes a task to a {@link TaskHandler} method's queue at every slot of a cron expression, once per
 * slot across every node of the application, through restarts. Put it on the same method as
 * {@code @TaskHandler}; the tasks go to that worker's queue.
 * <p>
 * The expression is Spring's {@code CronExpression}, as for {@code @Scheduled}: six fields or a macro
 * such as {@code @daily}. {@code cron} and {@code zone} take {@code ${...}} placeholders. An invalid
 * expression or zone fails start-up naming the method. Properties under
 * {@code apalis.schedules.<name>.*} override these attributes. The schedule is stored by name; when
 * the annotation goes away, the next start-up disables the stored schedule.
 *
 * @see dev.apalis.schedule.Schedule
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface TaskSchedule {

    /** The cron expression, such as {@code 0 30 2 * * *} or {@code @daily}. */
    String cron();

    /** The schedule's name, unique in the storage; default the worker's name. */
    String name() default "";

    /** The time zone of the expression's wall-clock times, such as {@code Europe/Berlin}; default the JVM's. */
    String zone() default "";

    /** The payload of the pushed tasks, as JSON; it must read as the handler's payload type. */
    String payload() default "{}";

    /** What happens to slots missed while no node ran. */
    CatchUp catchUp() default CatchUp.LAST;

    /** How many missed slots {@link CatchUp#ALL} pushes at most. */
    int catchUpLimit() default dev.apalis.schedule.Schedule.DEFAULT_CATCH_UP_LIMIT;

    /** Whether a slot fires while the previous run is unfinished. */
    Overlap overlap() default Overlap.SKIP;

    /** Whether the schedule fires; a disabled one keeps its stored row and history. */
    String enabled() default "true";
}
