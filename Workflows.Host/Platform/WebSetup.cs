using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Workflows.Host.Platform;

public static class WebSetup
{
    /// <summary>Largest request body accepted; API requests are small forms.</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    public static IHostApplicationBuilder AddWebApi(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            // Enums by name only: "rank": 42 is a wrong type (400), not a rank nobody defined.
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(allowIntegerValues: false));
            // A field the request does not have is refused (400), not silently ignored: a typo or a try at a
            // server-owned field (id, status, recordedBy) is reported instead of half-applied.
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            o.SerializerOptions.Converters.Add(new PlainTextConverter());
        });
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "Workflows API";
            doc.Info.Description = "Promotions, shift swaps and penalty disputes for the 信息部. Sign in with POST /api/auth/login and send the token as a bearer token.";
            return Task.CompletedTask;
        }));
        builder.Services.AddRazorPages();
        builder.Services.AddScoped<Pages.SubjectFactsLoader>();
        builder.Services.AddHttpContextAccessor();
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        return builder;
    }

    /// <summary>Headers every answer carries: no sniffing, no framing, no referrer leaks.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var headers = context.Response.Headers;
        headers["X-Content-Type-Options"] = "nosniff";
        headers["X-Frame-Options"] = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        var path = context.Request.Path;
        headers.ContentSecurityPolicy = path.StartsWithSegments("/hangfire")
            // The dashboard's own pages carry inline script and style; everything still comes from this host.
            ? "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
            : path.StartsWithSegments("/api-reference")
                // Scalar: its bundled script from this host, an inline start-up script, and its fonts.
                ? "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline' https://fonts.scalar.com; font-src 'self' data: https://fonts.scalar.com; script-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
                : "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'";
        if (path.StartsWithSegments("/api"))
        {
            // Answers about people and money are never kept by a browser or a proxy.
            headers.CacheControl = "no-store";
        }

        await next();
    });

    /// <summary>Prints where the app listens and how to sign in, once it is ready.</summary>
    public static void AnnounceWhenReady(this WebApplication app) => app.Lifetime.ApplicationStarted.Register(() =>
    {
        var addresses = app.Services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            Console.WriteLine($"Workflows is ready at {address}  (API reference: {address}/api-reference, jobs: {address}/hangfire)");
        }

        Console.WriteLine($"Sign in as hr, supervisor, leader1, member1a … with the password {DemoSeed.Password} (all demo accounts are in README.md).");
    });
}
