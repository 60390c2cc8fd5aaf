package dev.apalis.spring.boot.docs;

import com.zaxxer.hikari.HikariDataSource;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.jdbc.DataSourceBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

import dev.apalis.spring.boot.ApalisDataSource;

/**
 * Tasks in their own database: the application's DataSource is primary, the one for tasks is
 * qualified with {@code @ApalisDataSource}.
 */
@Configuration(proxyBeanMethods = false)
public class TasksDataSourceConfiguration {

    @Bean
    @Primary
    @ConfigurationProperties("app.datasource")
    HikariDataSource appDataSource() {
        return DataSourceBuilder.create().type(HikariDataSource.class).build();
    }

    @Bean
    @ApalisDataSource
    @ConfigurationProperties("app.tasks-datasource")
    HikariDataSource tasksDataSource() {
        return DataSourceBuilder.create().type(HikariDataSource.class).build();
    }
}
