"""The OpenAPI 3.1 document of /api/v1: every path, parameter, response schema and the bearer security scheme."""

from __future__ import annotations

YEAR_MIN, YEAR_MAX = 1990, 2200  # a year outside answers 404 (and never reaches the database)
CODE_MAX = 32

POINTS = {"type": ["string", "null"], "pattern": r"^-?[0-9]+\.[0-9]{2}$", "examples": ["85.50"]}
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "description": "Thông báo lỗi bằng tiếng Việt"},
        "problems": {"type": "array", "items": {"type": "string"}},
    },
}
RESULT = {
    "type": "object",
    "description": "Kết quả đã công bố của một đơn vị trong một năm.",
    "required": [
        "year",
        "unit_code",
        "unit_name",
        "group",
        "self_total",
        "appraised_total",
        "difference",
        "level_order",
        "level_name",
        "disqualified",
        "rank",
        "rank_of",
        "rank_label",
        "by_area",
        "source",
        "campaign_id",
    ],
    "properties": {
        "year": {"type": "integer"},
        "unit_code": {"type": "string"},
        "unit_name": {"type": "string"},
        "group": {"type": "string", "description": "Khối (ví dụ «Khối xã»)"},
        "self_total": {**POINTS, "description": "Điểm tự chấm"},
        "appraised_total": {**POINTS, "description": "Điểm thẩm định"},
        "difference": {**POINTS, "description": "Tự chấm trừ thẩm định"},
        "level_order": {"type": ["integer", "null"], "description": "Mức xếp loại (1 là cao nhất)"},
        "level_name": {"type": ["string", "null"]},
        "disqualified": {"type": "boolean", "description": "Không đủ điều kiện xếp loại"},
        "rank": {"type": ["integer", "null"], "minimum": 1},
        "rank_of": {"type": ["integer", "null"], "minimum": 1},
        "rank_label": {"type": ["string", "null"], "examples": ["02/19"]},
        "by_area": {
            "type": "object",
            "description": "Điểm theo lĩnh vực: mã lĩnh vực → điểm",
            "additionalProperties": {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$"},
        },
        "source": {"type": "string", "enum": ["campaign", "import"]},
        "campaign_id": {"type": ["integer", "null"]},
    },
}
UNAUTHORIZED = {
    "description": "Thiếu mã truy cập, mã sai hoặc đã bị thu hồi",
    "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
TOO_MANY = {
    "description": "Mã truy cập đã dùng hết số yêu cầu cho phép trong khoảng thời gian; thử lại sau Retry-After giây",
    "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 0}}},
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
YEAR_REF = {"$ref": "#/components/schemas/Year"}
NOT_FOUND = {
    "description": "Không có dữ liệu",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _ok(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "API kết quả Chỉ số Dân vận chính quyền",
            "version": "1.0.0",
            "description": (
                "Kết quả đánh giá đã công bố của cơ quan đánh giá (theo năm, theo đơn vị). Chỉ đọc. Xác thực bằng mã "
                "truy cập do quản trị hệ thống cấp: tiêu đề `Authorization: Bearer <mã>`. Mỗi mã truy cập được gửi "
                "một số yêu cầu giới hạn mỗi phút; quá giới hạn nhận mã 429 kèm tiêu đề `Retry-After`. Điểm là chuỗi "
                'có hai chữ số thập phân ("85.50").'
            ),
        },
        "security": [{"bearerAuth": []}],
        "paths": {
            "/api/v1/years": {
                "get": {
                    "operationId": "listYears",
                    "summary": "Các năm có kết quả đã công bố",
                    "responses": {
                        "200": _ok(
                            "Danh sách năm",
                            {
                                "type": "object",
                                "required": ["years"],
                                "properties": {
                                    "years": {"type": "array", "items": {"$ref": "#/components/schemas/Year"}}
                                },
                            },
                        ),
                        "401": UNAUTHORIZED,
                        "429": TOO_MANY,
                    },
                }
            },
            "/api/v1/years/{year}/results": {
                "get": {
                    "operationId": "yearResults",
                    "summary": "Kết quả đã công bố của một năm (một kỳ đánh giá)",
                    "parameters": [
                        {
                            "name": "year",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX},
                        },
                        {
                            "name": "group",
                            "in": "query",
                            "required": False,
                            "description": "Chỉ lấy một khối, ví dụ «Khối xã»",
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": {
                        "200": _ok(
                            "Kết quả theo khối và thứ hạng",
                            {
                                "type": "object",
                                "required": ["year", "group", "results"],
                                "properties": {
                                    "year": {"type": "integer"},
                                    "group": {"type": ["string", "null"]},
                                    "results": {"type": "array", "items": {"$ref": "#/components/schemas/Result"}},
                                },
                            },
                        ),
                        "401": UNAUTHORIZED,
                        "429": TOO_MANY,
                        "404": NOT_FOUND,
                    },
                }
            },
            "/api/v1/units/{code}/results": {
                "get": {
                    "operationId": "unitResults",
                    "summary": "Kết quả qua các năm của một đơn vị, kèm lịch sử các đơn vị tiền thân (sáp nhập)",
                    "parameters": [
                        {
                            "name": "code",
                            "in": "path",
                            "required": True,
                            "description": "Mã đơn vị",
                            "schema": {"type": "string", "minLength": 1, "maxLength": CODE_MAX},
                        }
                    ],
                    "responses": {
                        "200": _ok("Đơn vị và kết quả của đơn vị", {"$ref": "#/components/schemas/UnitHistory"}),
                        "401": UNAUTHORIZED,
                        "429": TOO_MANY,
                        "404": NOT_FOUND,
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "Tài liệu OpenAPI này",
                    "security": [],
                    "responses": {"200": _ok("Tài liệu OpenAPI 3.1", {"type": "object"})},
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Mã truy cập do quản trị hệ thống cấp (Tổng quan → Mã truy cập API)",
                }
            },
            "schemas": {
                "Error": ERROR,
                "Result": RESULT,
                "Year": {
                    "type": "object",
                    "required": ["year", "units", "groups", "source", "campaign_id"],
                    "properties": {
                        "year": {"type": "integer"},
                        "units": {"type": "integer", "minimum": 0},
                        "groups": {"type": "array", "items": {"type": "string"}},
                        "source": {"type": "string", "enum": ["campaign", "import", "mixed"]},
                        "campaign_id": {"type": ["integer", "null"]},
                    },
                },
                "UnitHistory": {
                    "type": "object",
                    "required": ["unit", "results", "predecessors"],
                    "properties": {
                        "unit": {
                            "type": "object",
                            "required": ["code", "name", "kind", "valid_from", "valid_to"],
                            "properties": {
                                "code": {"type": "string"},
                                "name": {"type": "string"},
                                "kind": {"type": "string"},
                                "valid_from": {"type": ["string", "null"], "format": "date"},
                                "valid_to": {"type": ["string", "null"], "format": "date"},
                            },
                        },
                        "results": {"type": "array", "items": {"$ref": "#/components/schemas/Result"}},
                        "predecessors": {
                            "type": "array",
                            "description": "Các đơn vị tiền thân (đã sáp nhập vào đơn vị này) và kết quả của chúng",
                            "items": {
                                "type": "object",
                                "required": ["code", "name", "effective_on", "results"],
                                "properties": {
                                    "code": {"type": "string"},
                                    "name": {"type": "string"},
                                    "effective_on": {"type": "string", "format": "date"},
                                    "results": {"type": "array", "items": {"$ref": "#/components/schemas/Result"}},
                                },
                            },
                        },
                    },
                },
            },
        },
    }
