package dev.apalis.spring.boot.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.context.PropertyMapping;

/**
 * Adds a {@link TaskTester} to a {@code @SpringBootTest}, and keeps the application's workers from
 * starting so that pushed tasks wait for the test to look at them or run them:
 * <pre>{@code
 * @SpringBootTest
 * @AutoConfigureTaskTester
 * class SignupTests {
 *
 *     @Autowired
 *     TaskTester tasks;
 * }
 * }</pre>
 * With {@code workers = true} the workers start as usual (then do not run tasks with the tester: the
 * workers would claim them too). The backend stays the application's: PostgreSQL when it has a
 * PostgreSQL {@code DataSource}, otherwise memory (with a clock the tester moves).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ImportAutoConfiguration
@PropertyMapping("apalis.defaults")
public @interface AutoConfigureTaskTester {

    /**
     * Whether the application's workers start (sets {@code apalis.defaults.enabled}).
     * @return whether workers start; {@code false} by default, so that the test runs tasks itself
     */
    @PropertyMapping("enabled")
    boolean workers() default false;
}
