package dev.apalis.spring.boot;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.beans.factory.annotation.Qualifier;

/**
 * Qualifier for the {@link javax.sql.DataSource} the JDBC backend stores tasks in, when it is not
 * the application's only or primary one. Like Spring Boot's {@code @FlywayDataSource}.
 * <pre>{@code
 * @Bean
 * @ApalisDataSource
 * HikariDataSource tasksDataSource() { .. }
 * }</pre>
 * A push joins a Spring transaction only when that transaction runs on this same DataSource.
 */
@Target({ ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.TYPE,
        ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Qualifier
public @interface ApalisDataSource {

}
