namespace Mindstack.MindPeeker.Tests;

/// <summary>The example responses of the MindPeeker document (seed 000_6d5115f0a71166d1), verbatim, keyed by "METHOD /path" ("ERROR": the standard error format).</summary>
internal static class DocumentExamples
{
    public static readonly IReadOnlyDictionary<string, string> Responses = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["POST /auth/register"] = """
            {
              "success": true,
              "data": {
                "user": {
                  "id": "user_123456789",
                  "email": "user@example.com",
                  "username": "johndoe",
                  "tier": "basic",
                  "created_at": "2024-01-01T00:00:00Z"
                },
                "token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..."
              },
              "message": "User registered successfully"
            }
            """,
        ["POST /auth/login"] = """
            {
              "success": true,
              "data": {
                "user": {
                  "id": "user_123456789",
                  "email": "user@example.com",
                  "username": "johndoe",
                  "tier": "professional"
                },
                "token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...",
                "expires_in": 86400
              },
              "message": "Login successful"
            }
            """,
        ["POST /auth/refresh"] = """
            {
              "success": true,
              "data": {
                "token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...",
                "expires_in": 86400
              },
              "message": "Token refreshed successfully"
            }
            """,
        ["POST /auth/logout"] = """
            {
              "success": true,
              "message": "Logout successful"
            }
            """,
        ["GET /users/me"] = """
            {
              "success": true,
              "data": {
                "id": "user_123456789",
                "email": "user@example.com",
                "username": "johndoe",
                "tier": "professional",
                "credits": 850,
                "created_at": "2024-01-01T00:00:00Z",
                "last_login": "2024-01-15T10:30:00Z",
                "preferences": {
                  "notifications": true,
                  "theme": "dark",
                  "language": "en"
                },
                "usage_stats": {
                  "sessions_this_month": 45,
                  "total_sessions": 234,
                  "success_rate": 0.87
                }
              }
            }
            """,
        ["PUT /users/me"] = """
            {
              "success": true,
              "data": {
                "id": "user_123456789",
                "username": "newusername",
                "preferences": {
                  "notifications": false,
                  "theme": "light",
                  "language": "es"
                }
              },
              "message": "Profile updated successfully"
            }
            """,
        ["GET /users/me/stats"] = """
            {
              "success": true,
              "data": {
                "period": "month",
                "sessions": {
                  "total": 45,
                  "completed": 42,
                  "pending": 3,
                  "failed": 0
                },
                "credits_used": 180,
                "credits_remaining": 820,
                "success_rate": 0.933,
                "average_confidence": 0.78,
                "session_types": {
                  "remote_viewing": 20,
                  "dowsing": 15,
                  "precognition": 10
                },
                "daily_breakdown": [
                  {
                    "date": "2024-01-01",
                    "sessions": 2,
                    "credits_used": 8
                  }
                ]
              }
            }
            """,
        ["POST /sessions"] = """
            {
              "success": true,
              "data": {
                "id": "session_123456789",
                "cue": "Describe the location of the missing aircraft in the Pacific Ocean",
                "session_type": "remote_viewing",
                "status": "pending",
                "created_at": "2024-01-01T10:00:00Z",
                "estimated_completion": "2024-01-01T10:30:00Z",
                "credits_required": 10,
                "parameters": {
                  "duration": 1800,
                  "confidence_threshold": 0.7
                },
                "websocket_url": "wss://api.mindpeeker.com/v1/ws/session_123456789"
              },
              "message": "Session created successfully"
            }
            """,
        ["GET /sessions/{session_id}"] = """
            {
              "success": true,
              "data": {
                "id": "session_123456789",
                "cue": "Describe the location of the missing aircraft in the Pacific Ocean",
                "session_type": "remote_viewing",
                "status": "completed",
                "created_at": "2024-01-01T10:00:00Z",
                "started_at": "2024-01-01T10:01:00Z",
                "completed_at": "2024-01-01T10:28:00Z",
                "duration": 1620,
                "credits_used": 8,
                "confidence_score": 0.82,
                "results": {
                  "summary": "The aircraft is located approximately 200 miles northeast of Hawaii...",
                  "coordinates": {
                    "latitude": 22.5,
                    "longitude": -152.3,
                    "accuracy_radius": 15
                  },
                  "visual_data": [
                    {
                      "type": "landscape",
                      "description": "Mountainous terrain with dense vegetation",
                      "confidence": 0.89
                    }
                  ],
                  "analysis_types": ["visual", "spatial", "temporal"]
                },
                "metadata": {
                  "case_id": "CASE_12345",
                  "client_reference": "REF_67890",
                  "tags": ["aviation", "search", "pacific"]
                }
              }
            }
            """,
        ["GET /sessions"] = """
            {
              "success": true,
              "data": {
                "sessions": [
                  {
                    "id": "session_123456789",
                    "cue": "Describe the location of the missing aircraft",
                    "session_type": "remote_viewing",
                    "status": "completed",
                    "created_at": "2024-01-01T10:00:00Z",
                    "completed_at": "2024-01-01T10:28:00Z",
                    "confidence_score": 0.82,
                    "credits_used": 8
                  }
                ],
                "pagination": {
                  "total": 45,
                  "limit": 20,
                  "offset": 0,
                  "has_more": true
                }
              }
            }
            """,
        ["PUT /sessions/{session_id}"] = """
            {
              "success": true,
              "data": {
                "id": "session_123456789",
                "parameters": {
                  "confidence_threshold": 0.8,
                  "priority": "high"
                },
                "metadata": {
                  "tags": ["aviation", "search", "pacific", "urgent"]
                }
              },
              "message": "Session updated successfully"
            }
            """,
        ["DELETE /sessions/{session_id}"] = """
            {
              "success": true,
              "message": "Session cancelled successfully",
              "refund": {
                "credits_refunded": 5,
                "refund_reason": "User cancellation"
              }
            }
            """,
        ["GET /sessions/{session_id}/analysis"] = """
            {
              "success": true,
              "data": {
                "session_id": "session_123456789",
                "analysis_id": "analysis_987654321",
                "status": "completed",
                "completed_at": "2024-01-01T10:28:00Z",
                "confidence_score": 0.82,
                "results": {
                  "summary": "Based on the psychic analysis, the aircraft is located...",
                  "key_findings": [
                    {
                      "type": "location",
                      "description": "Approximately 200 miles northeast of Hawaii",
                      "confidence": 0.89
                    },
                    {
                      "type": "condition",
                      "description": "Aircraft is largely intact but submerged",
                      "confidence": 0.76
                    }
                  ],
                  "detailed_analysis": {
                    "spatial_data": {
                      "coordinates": {
                        "latitude": 22.5,
                        "longitude": -152.3,
                        "accuracy_radius": 15
                      },
                      "terrain": "Mountainous underwater terrain",
                      "depth": "Approximately 2,000 meters"
                    },
                    "temporal_data": {
                      "time_of_event": "2023-12-15T14:30:00Z",
                      "current_status": "Static, no recent movement"
                    },
                    "visual_data": [
                      {
                        "type": "aerial_view",
                        "description": "Metallic debris field visible on ocean floor",
                        "confidence": 0.84
                      }
                    ]
                  },
                  "recommendations": [
                    "Focus search efforts in the specified coordinates",
                    "Use deep-sea sonar equipment for verification",
                    "Consider ocean current patterns in search planning"
                  ]
                },
                "metadata": {
                  "analysis_duration": 1620,
                  "model_version": "rv-v2.1.0",
                  "processing_nodes": 8,
                  "data_points_analyzed": 15420
                }
              }
            }
            """,
        ["GET /sessions/{session_id}/analysis/history"] = """
            {
              "success": true,
              "data": {
                "analysis_history": [
                  {
                    "timestamp": "2024-01-01T10:05:00Z",
                    "stage": "initial_processing",
                    "confidence": 0.45,
                    "notes": "Initial cue analysis and pattern recognition"
                  },
                  {
                    "timestamp": "2024-01-01T10:15:00Z",
                    "stage": "deep_analysis",
                    "confidence": 0.67,
                    "notes": "Neural network processing and cross-validation"
                  },
                  {
                    "timestamp": "2024-01-01T10:28:00Z",
                    "stage": "final_validation",
                    "confidence": 0.82,
                    "notes": "Final confidence scoring and result compilation"
                  }
                ]
              }
            }
            """,
        ["GET /billing"] = """
            {
              "success": true,
              "data": {
                "tier": "professional",
                "monthly_fee": 299,
                "credits": {
                  "included": 1000,
                  "used": 180,
                  "remaining": 820,
                  "reset_date": "2024-02-01T00:00:00Z"
                },
                "usage": {
                  "current_month": {
                    "sessions": 45,
                    "api_calls": 1250,
                    "storage_gb": 2.3
                  },
                  "last_month": {
                    "sessions": 38,
                    "api_calls": 980,
                    "storage_gb": 1.8
                  }
                },
                "payment_method": {
                  "type": "card",
                  "last_four": "4242",
                  "expiry": "12/25"
                },
                "next_billing_date": "2024-02-01T00:00:00Z"
              }
            }
            """,
        ["POST /billing/credits/purchase"] = """
            {
              "success": true,
              "data": {
                "transaction_id": "txn_987654321",
                "credits_purchased": 500,
                "amount": 149.99,
                "currency": "USD",
                "payment_status": "completed",
                "new_balance": 1320
              },
              "message": "Credits purchased successfully"
            }
            """,
        ["GET /billing/history"] = """
            {
              "success": true,
              "data": {
                "transactions": [
                  {
                    "id": "txn_987654321",
                    "type": "credit_purchase",
                    "amount": 149.99,
                    "currency": "USD",
                    "credits": 500,
                    "status": "completed",
                    "created_at": "2024-01-01T10:00:00Z",
                    "description": "Professional 500 Credit Package"
                  }
                ],
                "pagination": {
                  "total": 15,
                  "limit": 20,
                  "offset": 0,
                  "has_more": false
                }
              }
            }
            """,
        ["POST /webhooks"] = """
            {
              "success": true,
              "data": {
                "id": "webhook_123456789",
                "url": "https://your-app.com/webhooks/mindpeeker",
                "events": [
                  "session.completed",
                  "session.failed",
                  "analysis.ready"
                ],
                "active": true,
                "secret": "whsec_1234567890abcdef",
                "created_at": "2024-01-01T10:00:00Z"
              },
              "message": "Webhook created successfully"
            }
            """,
        ["GET /webhooks"] = """
            {
              "success": true,
              "data": {
                "webhooks": [
                  {
                    "id": "webhook_123456789",
                    "url": "https://your-app.com/webhooks/mindpeeker",
                    "events": ["session.completed", "session.failed"],
                    "active": true,
                    "created_at": "2024-01-01T10:00:00Z",
                    "last_triggered": "2024-01-01T09:45:00Z"
                  }
                ]
              }
            }
            """,
        ["PUT /webhooks/{webhook_id}"] = """
            {
              "success": true,
              "data": {
                "id": "webhook_123456789",
                "events": [
                  "session.completed",
                  "session.failed",
                  "analysis.ready",
                  "billing.payment_succeeded"
                ],
                "active": false
              },
              "message": "Webhook updated successfully"
            }
            """,
        ["DELETE /webhooks/{webhook_id}"] = """
            {
              "success": true,
              "message": "Webhook deleted successfully"
            }
            """,
        ["GET /admin/system/status"] = """
            {
              "success": true,
              "data": {
                "status": "healthy",
                "timestamp": "2024-01-01T10:00:00Z",
                "services": {
                  "api": "healthy",
                  "database": "healthy",
                  "cache": "healthy",
                  "ai_models": "healthy",
                  "queue": "healthy"
                },
                "metrics": {
                  "active_sessions": 234,
                  "queue_depth": 45,
                  "cpu_usage": 0.65,
                  "memory_usage": 0.78,
                  "gpu_usage": 0.82
                },
                "version": "2.1.0"
              }
            }
            """,
        ["GET /admin/analytics/users"] = """
            {
              "success": true,
              "data": {
                "period": "month",
                "total_users": 15420,
                "active_users": 8750,
                "new_users": 1250,
                "retention_rate": 0.87,
                "tier_distribution": {
                  "basic": 6540,
                  "professional": 7850,
                  "enterprise": 1030
                },
                "geographic_distribution": [
                  {
                    "country": "United States",
                    "users": 5420,
                    "percentage": 0.351
                  }
                ]
              }
            }
            """,
        ["ERROR"] = """
            {
              "success": false,
              "error": {
                "code": "INVALID_CREDENTIALS",
                "message": "The provided credentials are invalid",
                "details": {
                  "field": "password",
                  "reason": "Password does not match"
                },
                "timestamp": "2024-01-01T10:00:00Z",
                "request_id": "req_123456789"
              }
            }
            """,
    };
}
