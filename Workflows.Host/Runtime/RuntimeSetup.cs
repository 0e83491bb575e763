namespace Workflows.Host.Runtime;

public static class RuntimeSetup
{
    /// <summary>The engine's host side: designs, activities, the runner, timers and signals (the step store is chosen with the database, in <see cref="Platform.DatabaseSetup"/>).</summary>
    public static IHostApplicationBuilder AddWorkflowRuntime(this IHostApplicationBuilder builder)
    {
        var designs = Path.Combine(AppContext.BaseDirectory, "designs");
        builder.Services.AddSingleton(new DesignSource(designs));
        builder.Services.AddSingleton<ActivityResolver>();
        builder.Services.AddSingleton<PublishedDesigns>();
        builder.Services.AddScoped<AssignmentResolver>();
        builder.Services.AddScoped<WorkflowRunner>();
        builder.Services.AddScoped<AfterCommit>();
        builder.Services.AddScoped<TaskCompletionChecks>();
        builder.Services.AddScoped<SignalDispatcher>();
        builder.Services.AddScoped<TimerJobs>();
        return builder;
    }

    public static IEndpointRouteBuilder MapWorkflowApis(this IEndpointRouteBuilder app)
    {
        app.MapInstancesApi();
        app.MapTasksApi();
        app.MapDelegationApi();
        return app;
    }
}
